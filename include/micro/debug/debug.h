// brpc-style introspection on a service's HTTP port, for a human (or a script) asking a
// running process what it is doing:
//
//   GET /debug/vars    every metric of the process (metrics::DefaultRegistry) as JSON
//   GET /debug/config  the effective configuration and which layer set each key; secrets
//                      (token, password, ... keys, enc(...) values) are redacted
//   GET /debug/rpcz    the last N calls handled: method, transport, peer, start, duration,
//                      status code, trace id
//   GET /debug/status  service name, version, id, uptime, registry/readiness state, worker
//                      pool, calls in flight
//
// micro::Service installs it (keys debug.enabled, debug.token, debug.rpcz_size; docs/debug.md):
// on by default only when the HTTP transport listens on loopback, and with debug.token set
// every request needs `Authorization: Bearer <token>` (else 401).
//
// Standalone use (what Service does):
//   auto rpcz = std::make_shared<micro::debug::Rpcz>(256);
//   server.Use(rpcz);                                  // before the transports start
//   auto pages = micro::debug::DebugPages::Create({.server = &server, .rpcz = rpcz, ...});
//   pages->AddRoutes();                                // GET /debug/* on every HTTP port
//
// Threads: Rpcz::Intercept runs on handler threads; everything else may be called from
// any thread. Pages are rendered on the HTTP io threads (CPU only, never blocking I/O).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <micro/config/config.h>
#include <micro/core/status.h>
#include <micro/server/health.h>
#include <micro/server/middleware.h>
#include <micro/server/server.h>

namespace micro::metrics {
class Registry;
}

namespace micro::debug {

struct DebugOptions {
  // nullopt: on when the HTTP transport listens on a loopback host, off otherwise.
  std::optional<bool> enabled;
  // When not empty, requests need `Authorization: Bearer <token>`. A secret: never logged.
  std::string token;
  // How many of the most recent calls /debug/rpcz keeps.
  size_t rpcz_size = 256;
};

// True for 127.0.0.0/8, ::1 and "localhost".
bool IsLoopbackHost(std::string_view host);

// One handled call, as /debug/rpcz shows it.
struct CallRecord {
  std::string method;     // "/helloworld.Greeter/SayHello"
  std::string transport;  // "grpc", "http"
  std::string peer;       // "ip:port", "" when unknown
  std::chrono::system_clock::time_point start;
  std::chrono::nanoseconds duration{0};
  StatusCode code = StatusCode::kOk;
  std::string trace_id;  // 32 hex digits, "" without a trace
};

// A server interceptor that remembers the last `capacity` calls in a ring of fixed-size
// slots. The hot path copies a few bytes into its slot under that slot's own mutex (two
// calls only meet on one when the ring wraps while one is still writing); all formatting
// happens when the page is read.
class Rpcz final : public server::Interceptor {
 public:
  explicit Rpcz(size_t capacity);
  ~Rpcz() override;

  Status Intercept(Context& ctx, const server::CallInfo& call, server::Next next) override;

  // Recorded calls, newest first.
  std::vector<CallRecord> Snapshot() const;
  uint64_t total() const { return next_.load(std::memory_order_relaxed); }
  size_t capacity() const { return capacity_; }

 private:
  struct Slot;
  size_t capacity_;
  std::unique_ptr<Slot[]> slots_;
  std::atomic<uint64_t> next_{0};
};

// What the pages read. Pointers must outlive the DebugPages or be detached first (Detach).
struct DebugTarget {
  std::string service;
  std::string version;
  std::string id;
  std::string registry;  // the registry URL
  server::Server* server = nullptr;
  server::HealthState* health = nullptr;
  std::shared_ptr<config::Config> config;  // may be null: /debug/config shows none
  metrics::Registry* metrics = nullptr;    // null: metrics::DefaultRegistry()
  std::shared_ptr<Rpcz> rpcz;
  std::string token;
};

class DebugPages : public std::enable_shared_from_this<DebugPages> {
 public:
  static std::shared_ptr<DebugPages> Create(DebugTarget target);

  // Adds GET /debug/{vars,config,rpcz,status} to the process-wide HTTP routes
  // (server/http_routes.h); call before the transports start.
  void AddRoutes();
  // Removes the process-wide routes (a service with debug off must not inherit another's).
  static void RemoveRoutes();
  // From now on every page answers 404: the target is going away. Transports that copied
  // the routes may still call in.
  void Detach();

  // The pages' bodies (JSON), for tests and for embedding in another router.
  std::string VarsJson() const;
  std::string ConfigJson() const;
  std::string RpczJson() const;
  std::string StatusJson() const;

 private:
  explicit DebugPages(DebugTarget target);
  DebugTarget target_;
  std::chrono::steady_clock::time_point started_;
  std::chrono::system_clock::time_point started_wall_;
  mutable std::mutex mu_;  // guards attached_ against Detach while a page renders
  bool attached_ = true;
};

}  // namespace micro::debug

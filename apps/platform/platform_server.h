// PlatformServer: the process `micro platform` runs — one HTTP server carrying the
// platform's APIs (the service registry and the trace store now; config center and broker
// later), with the worker threads and timers behind them. The CLI command and the tests create one.
//
//   micro::platform::PlatformServer server({.host = "127.0.0.1", .port = 0});
//   if (Status s = server.Start(); !s.ok()) return s;
//   auto url = "platform://127.0.0.1:" + std::to_string(server.port());
//   ...
//   server.Shutdown();
//
// Start/Shutdown from the owning thread. The stores are thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <micro/core/status.h>

#include "platform/registry/registry_api.h"
#include "platform/registry/registry_store.h"
#include "platform/traces/trace_api.h"
#include "platform/traces/trace_store.h"

namespace micro::platform {

struct PlatformServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 7700;  // 0 picks a free port
  size_t http_threads = 2;
  // Run the API handlers, so that store I/O never stalls an io thread.
  size_t worker_threads = 2;
  // How often nodes whose TTL passed are removed.
  std::chrono::milliseconds sweep_interval{200};
  RegistryApiOptions registry{};
  // Traces (docs/traces.md): kept in memory; with a data dir also in <data_dir>/traces.db,
  // so that they survive a restart.
  std::string data_dir;
  traces::MemoryTraceStoreOptions trace_memory{};
  traces::SqliteTraceStoreOptions trace_db{};  // .path is set from data_dir
  traces::TraceApiOptions traces{};
};

class PlatformServer {
 public:
  explicit PlatformServer(PlatformServerOptions options = {});
  // With another registry store (a persistent one) instead of the in-memory default.
  PlatformServer(PlatformServerOptions options, std::unique_ptr<RegistryStore> registry_store);
  ~PlatformServer();  // Shutdown()
  PlatformServer(const PlatformServer&) = delete;
  PlatformServer& operator=(const PlatformServer&) = delete;

  // Binds and serves; fails (UNAVAILABLE) when the address is taken. Call once.
  Status Start();
  uint16_t port() const;
  // "host:port" the server listens on.
  std::string address() const;
  // Answers held watches, lets responses in progress finish within `grace`, then stops
  // every thread. Idempotent.
  void Shutdown(std::chrono::milliseconds grace = std::chrono::seconds(5));

  RegistryStore& registry_store() { return *registry_store_; }
  RegistryApi& registry_api();
  traces::TraceStore& trace_store() { return *trace_store_; }

 private:
  class Impl;
  PlatformServerOptions options_;
  std::unique_ptr<RegistryStore> registry_store_;
  Status trace_store_status_;  // why the trace database did not open; Start() reports it
  std::unique_ptr<traces::TraceStore> trace_store_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace micro::platform

// The default RPC metrics: a server interceptor and a client (call-level) interceptor that
// count calls by gRPC code, time them and track calls in flight. micro::Service installs
// both unless `metrics.enabled` is false; a bare Server or Client can use them directly:
//
//   auto server_metrics = micro::metrics::ServerMetrics::Create();   // DefaultRegistry()
//   if (!server_metrics.ok()) return server_metrics.status();
//   server.Use(*server_metrics);
//   auto client_metrics = micro::metrics::ClientMetrics::Create();
//   client.Use(*client_metrics);
//
// Series (service = the .proto service "helloworld.Greeter", method = "SayHello",
// code = the gRPC code name "OK", "NOT_FOUND", ...):
//   micro_server_requests_total{service,method,code}          counter
//   micro_server_request_duration_seconds{service,method}     histogram (DefaultBuckets)
//   micro_server_in_flight{service}                           gauge
//   micro_client_requests_total{service,method,code}          counter
//   micro_client_request_duration_seconds{service,method}     histogram
//   micro_client_in_flight{service}                           gauge
// A client call is measured once however many attempts it took (what the caller saw).
//
// Threads: Intercept runs on any thread. After the first call of a method, a call costs two
// clock reads, a lock-free lookup of the method's cached handles and a few striped adds.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <micro/client/interceptor.h>
#include <micro/client/stream_interceptor.h>
#include <micro/core/result.h>
#include <micro/metrics/metrics.h>
#include <micro/server/middleware.h>

namespace micro::metrics {

namespace internal {

// The handles of one method's series, looked up once and cached.
struct RpcSeries {
  Histogram* duration = nullptr;
  Gauge* in_flight = nullptr;
  std::string service;
  std::string method;
  Family<Counter>* requests = nullptr;
  std::atomic<Counter*> by_code[17] = {};

  Counter& Requests(StatusCode code);
};

// The families of one side (server or client), and the per-method cache: readers load an
// immutable map with one atomic read; a new method copies the map under a lock.
class RpcMetrics {
 public:
  static Result<std::unique_ptr<RpcMetrics>> Create(Registry& registry, std::string_view side);
  ~RpcMetrics();
  // `key` identifies the method (a Method* or its path); `path` is "/pkg.Service/Method".
  RpcSeries& Series(std::string_view key, std::string_view path);
  // The series cached under `key`, or null (lock-free).
  RpcSeries* Find(std::string_view key) const {
    const Map* map = map_.load(std::memory_order_acquire);
    if (map == nullptr) return nullptr;
    auto it = map->find(key);
    return it == map->end() ? nullptr : it->second;
  }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  using Map = std::unordered_map<std::string, RpcSeries*, Hash, std::equal_to<>>;
  Family<Counter>* requests_ = nullptr;
  Family<Histogram>* duration_ = nullptr;
  Family<Gauge>* in_flight_ = nullptr;
  std::atomic<const Map*> map_{nullptr};
  std::mutex mu_;
  std::vector<std::unique_ptr<const Map>> maps_;  // every version, freed with this object
  std::vector<std::unique_ptr<RpcSeries>> series_;
};

}  // namespace internal

class ServerMetrics final : public server::Interceptor {
 public:
  // Registers (or finds) the micro_server_* families in `registry`.
  static Result<std::shared_ptr<ServerMetrics>> Create(Registry& registry = DefaultRegistry());

  // server::Interceptor
  Status Intercept(Context& ctx, const server::CallInfo& call, server::Next next) override;

 private:
  explicit ServerMetrics(std::unique_ptr<internal::RpcMetrics> rpc) : rpc_(std::move(rpc)) {}
  std::unique_ptr<internal::RpcMetrics> rpc_;
};

// Also a stream interceptor (Client::UseStream): a streaming call counts once, with the
// code of its Finish (CANCELLED when the stream is dropped unfinished), timed from its
// opening.
class ClientMetrics final : public client::ClientInterceptor, public client::StreamInterceptor {
 public:
  // Registers (or finds) the micro_client_* families in `registry`.
  static Result<std::shared_ptr<ClientMetrics>> Create(Registry& registry = DefaultRegistry());

  // client::ClientInterceptor
  void Intercept(Context& ctx, client::ClientCall& call, client::ClientNext next,
                 client::Done done) override;
  // client::StreamInterceptor
  client::StreamResult InterceptStream(Context& ctx, const client::StreamCall& call,
                                       client::StreamNext next) override;

 private:
  explicit ClientMetrics(std::unique_ptr<internal::RpcMetrics> rpc) : rpc_(std::move(rpc)) {}
  std::unique_ptr<internal::RpcMetrics> rpc_;
};

}  // namespace micro::metrics

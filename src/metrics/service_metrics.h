// What micro::Service installs when `metrics.enabled` is true: the server and client RPC
// interceptors, the process and worker-pool collectors, and GET /metrics on the HTTP port
// (DefaultRegistry()). Owned by the Service; destroying it removes what refers to the
// Service's server (the worker-pool collector). Declare it after the Server it watches.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <micro/core/result.h>
#include <micro/metrics/rpc.h>
#include <micro/server/server.h>

namespace micro::metrics::internal {

class ServiceMetrics {
 public:
  // Call before the server's transports start (interceptors and HTTP routes are read then).
  static Result<std::unique_ptr<ServiceMetrics>> Install(server::Server& server,
                                                         const std::string& service_name);
  ~ServiceMetrics();
  ServiceMetrics(const ServiceMetrics&) = delete;
  ServiceMetrics& operator=(const ServiceMetrics&) = delete;

  // For the Service's Client (Client::Use).
  std::shared_ptr<ClientMetrics> client_interceptor() const { return client_; }

 private:
  ServiceMetrics() = default;
  std::shared_ptr<ClientMetrics> client_;
  uint64_t pool_collector_ = 0;
};

}  // namespace micro::metrics::internal

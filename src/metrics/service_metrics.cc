#include "metrics/service_metrics.h"

#include <micro/metrics/collectors.h>
#include <micro/metrics/handler.h>
#include <micro/server/http_routes.h>

namespace micro::metrics::internal {

Result<std::unique_ptr<ServiceMetrics>> ServiceMetrics::Install(server::Server& server,
                                                                const std::string& service_name) {
  Registry& registry = DefaultRegistry();
  auto server_metrics = ServerMetrics::Create(registry);
  if (!server_metrics.ok()) return server_metrics.status();
  auto client_metrics = ClientMetrics::Create(registry);
  if (!client_metrics.ok()) return client_metrics.status();
  std::unique_ptr<ServiceMetrics> m(new ServiceMetrics());
  m->client_ = std::move(*client_metrics);
  server.Use(std::move(*server_metrics));
  AddProcessCollector(registry);
  m->pool_collector_ = AddThreadPoolCollector(registry, service_name, &server.workers());
  // Process-wide: every Service of the process serves the same registry.
  server::AddHttpRoute("GET", "/metrics", MetricsHandler(registry));
  return m;
}

ServiceMetrics::~ServiceMetrics() { DefaultRegistry().RemoveCollector(pool_collector_); }

}  // namespace micro::metrics::internal

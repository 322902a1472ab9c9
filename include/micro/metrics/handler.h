// `GET /metrics`: the HTTP handler that renders a Registry for a Prometheus scrape.
// micro::Service serves it on its HTTP port (unless `metrics.enabled` is false); another
// HTTP server can mount it on its own Router:
//
//   router.Add("GET", "/metrics", micro::metrics::MetricsHandler());
//
// The handler renders on the io thread that received the request: rendering only reads
// atomics and /proc, and takes well under a millisecond for a service's few hundred series.
#pragma once

#include <micro/http/http.h>
#include <micro/metrics/metrics.h>

namespace micro::metrics {

// Answers with registry.Render() and Content-Type kExpositionContentType. The registry
// must outlive the handler.
http::Handler MetricsHandler(Registry& registry = DefaultRegistry());

}  // namespace micro::metrics

// TraceApi: the trace store's HTTP endpoints on `micro platform` (docs/traces.md):
//
//   POST /v1/traces               OTLP/HTTP JSON export (what OpenTelemetry exporters send)
//   GET  /v1/traces?service=&operation=&min_duration=&error=&start=&end=&lookback=&limit=
//                                 search: summaries of matching traces, most recent first
//   GET  /v1/traces/<trace id>    every span of one trace
//   GET  /v1/traces/services      services and their operations
//   GET  /v1/traces/dependencies?start=&end=&lookback=   caller -> callee edges
//
// Handlers run on the worker pool (the store may block on disk), never on io threads. The
// receiver is the one write: it passes the `authorize` hook first.
#pragma once

#include <functional>

#include <micro/core/status.h>
#include <micro/http/http.h>
#include <micro/runtime/thread_pool.h>

#include "platform/api_routes.h"
#include "platform/traces/trace_store.h"

namespace micro::platform::traces {

struct TraceApiOptions {
  // Decides whether an export may be stored; a non-OK status is the answer. Unset: the
  // platform's registry hook (one token guards every write), else every export is allowed.
  std::function<Status(const http::Request&)> authorize{};
  // A gzip body may inflate to at most this many bytes (413 beyond).
  size_t max_inflated_bytes = 64 << 20;
};

class TraceApi {
 public:
  TraceApi(TraceStore& store, runtime::ThreadPool& workers, TraceApiOptions options = {});
  TraceApi(const TraceApi&) = delete;
  TraceApi& operator=(const TraceApi&) = delete;

  void Install(ApiRoutes& routes);

 private:
  void OnWorker(http::Request req, http::Responder res,
                void (TraceApi::*handle)(const http::Request&, http::Responder&));

  void HandleExport(const http::Request& req, http::Responder& res);
  void HandleSearch(const http::Request& req, http::Responder& res);
  void HandleGet(const http::Request& req, http::Responder& res);
  void HandleServices(const http::Request& req, http::Responder& res);
  void HandleDependencies(const http::Request& req, http::Responder& res);

  TraceStore& store_;
  runtime::ThreadPool& workers_;
  const TraceApiOptions options_;
};

// "250ms", "1.5s", "300us", "2m", "1h", "100ns"; a bare number is milliseconds.
Result<uint64_t> ParseDurationNs(std::string_view text);

}  // namespace micro::platform::traces

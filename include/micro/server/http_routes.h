// Extra routes served on every HTTP/JSON transport port beside the RPC paths, so that a
// component can expose something on the service's existing HTTP port without owning a
// server of its own (the metrics component adds GET /metrics this way).
//
//   micro::server::AddHttpRoute("GET", "/metrics",
//       [](micro::http::Request, micro::http::Responder respond) {
//         respond(micro::http::Response::Text(200, RenderMetrics()));
//       });
//
// Routes are copied into a transport when it starts: add them before Service::Start().
// Thread-safe. Handlers run on io threads and must not block (see micro/http/http.h).
#pragma once

#include <string>

#include <micro/http/http.h>

namespace micro::server {

// Adds, or replaces, the route for (method, path) in the process-wide list.
void AddHttpRoute(const std::string& method, const std::string& path, http::Handler handler);
// Removes it again; unknown routes are ignored.
void RemoveHttpRoute(const std::string& method, const std::string& path);

}  // namespace micro::server

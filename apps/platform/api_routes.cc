#include "platform/api_routes.h"

#include <algorithm>

namespace micro::platform {

ApiRoutes::ApiRoutes(http::Router& router) : router_(router) {
  router_.SetFallback(
      [this](http::Request req, http::Responder res) { Fallback(std::move(req), std::move(res)); });
}

void ApiRoutes::Add(const std::string& method, const std::string& path, http::Handler handler) {
  router_.Add(method, path, std::move(handler));
}

void ApiRoutes::AddPrefix(const std::string& method, const std::string& prefix,
                          http::Handler handler) {
  prefixes_.push_back({method, prefix, std::move(handler)});
  std::stable_sort(
      prefixes_.begin(), prefixes_.end(),
      [](const PrefixRoute& a, const PrefixRoute& b) { return a.prefix.size() > b.prefix.size(); });
}

void ApiRoutes::Fallback(http::Request req, http::Responder res) const {
  bool path_known = false;
  for (const auto& route : prefixes_) {
    if (req.path.size() <= route.prefix.size() ||
        req.path.compare(0, route.prefix.size(), route.prefix) != 0) {
      continue;
    }
    if (route.method == req.method) {
      route.handler(std::move(req), std::move(res));
      return;
    }
    path_known = true;
  }
  std::string request_id = req.Header("x-request-id");
  if (path_known) {
    auto r = http::Response::Error(
        Status::Unimplemented("method " + req.method + " not allowed on " + req.path), request_id);
    r.status = 405;
    res(std::move(r));
    return;
  }
  res(http::Response::Error(Status::NotFound("no such endpoint: " + req.method + " " + req.path),
                            request_id));
}

}  // namespace micro::platform

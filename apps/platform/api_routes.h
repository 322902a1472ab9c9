// ApiRoutes: where the platform's components put their HTTP endpoints. Exact paths go to the
// http::Router; paths with a variable tail (GET /v1/registry/services/<name>) are prefix
// routes, served from the Router's fallback (longest prefix wins); anything else gets a JSON
// 404, and a known path with another method a JSON 405.
//
//   ApiRoutes routes(router);
//   routes.Add("POST", "/v1/registry/register", handler);
//   routes.AddPrefix("GET", "/v1/registry/services/", handler);  // handler reads req.path
//
// Add* only before the server starts; the fallback is then read-only and thread-safe.
// ApiRoutes must outlive the server that serves `router`.
#pragma once

#include <string>
#include <vector>

#include <micro/http/http.h>

namespace micro::platform {

class ApiRoutes {
 public:
  explicit ApiRoutes(http::Router& router);
  ApiRoutes(const ApiRoutes&) = delete;
  ApiRoutes& operator=(const ApiRoutes&) = delete;

  void Add(const std::string& method, const std::string& path, http::Handler handler);
  void AddPrefix(const std::string& method, const std::string& prefix, http::Handler handler);

 private:
  struct PrefixRoute {
    std::string method;
    std::string prefix;
    http::Handler handler;
  };
  void Fallback(http::Request req, http::Responder res) const;

  http::Router& router_;
  std::vector<PrefixRoute> prefixes_;  // longest prefix first
};

}  // namespace micro::platform

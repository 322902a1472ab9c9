#include "transport/http/extra_routes.h"

#include <map>
#include <mutex>
#include <utility>

#include <micro/server/http_routes.h>

namespace micro {

namespace {

struct ExtraRoutes {
  std::mutex mu;
  std::map<std::pair<std::string, std::string>, http::Handler> routes;
};

ExtraRoutes& Routes() {
  static auto* routes = new ExtraRoutes();
  return *routes;
}

}  // namespace

namespace server {

void AddHttpRoute(const std::string& method, const std::string& path, http::Handler handler) {
  auto& r = Routes();
  std::lock_guard lock(r.mu);
  r.routes[{method, path}] = std::move(handler);
}

void RemoveHttpRoute(const std::string& method, const std::string& path) {
  auto& r = Routes();
  std::lock_guard lock(r.mu);
  r.routes.erase({method, path});
}

}  // namespace server

namespace transport::http_json {

void InstallExtraRoutes(micro::http::Router& router) {
  auto& r = Routes();
  std::lock_guard lock(r.mu);
  for (const auto& [key, handler] : r.routes) router.Add(key.first, key.second, handler);
}

}  // namespace transport::http_json

}  // namespace micro

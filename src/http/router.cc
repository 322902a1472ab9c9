// Exact (method, path) routing with one fallback.
#include <micro/http/http.h>

namespace micro::http {

void Router::Add(const std::string& method, const std::string& path, Handler handler) {
  routes_[{method, path}] = std::move(handler);
  paths_.insert(path);
}

void Router::SetFallback(Handler handler) { fallback_ = std::move(handler); }

void Router::AddStream(const std::string& method, const std::string& path, StreamHandler handler,
                       const std::string& content_type) {
  stream_routes_[{method, path}] = {std::move(handler), content_type};
  paths_.insert(path);
}

Router::Match Router::Find(const std::string& method, const std::string& path) const {
  Match m;
  // One key built once; the maps share it.
  auto key = std::make_pair(method, path);
  if (auto it = routes_.find(key); it != routes_.end()) {
    m.handler = &it->second;
    return m;
  }
  if (auto it = stream_routes_.find(key); it != stream_routes_.end()) {
    m.stream = &it->second.first;
    m.content_type = &it->second.second;
    return m;
  }
  if (paths_.count(path)) {
    m.method_not_allowed = true;
    return m;
  }
  if (fallback_) m.handler = &fallback_;
  return m;
}

}  // namespace micro::http

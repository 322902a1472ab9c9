// DebugPages: the routes, the token check, and the lifetime guard around the pages.
#include <micro/debug/debug.h>

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

#include <micro/http/http.h>
#include <micro/metrics/metrics.h>
#include <micro/server/http_routes.h>

#include "debug/pages.h"

namespace micro::debug {

namespace {

constexpr const char* kPaths[] = {"/debug/vars", "/debug/config", "/debug/rpcz", "/debug/status"};

// Compares without leaking through timing where the first difference is.
bool SameSecret(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  }
  return diff == 0;
}

}  // namespace

bool IsLoopbackHost(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host == "localhost") return true;
  std::string h(host);
  in_addr v4{};
  if (inet_pton(AF_INET, h.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, h.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

std::shared_ptr<DebugPages> DebugPages::Create(DebugTarget target) {
  return std::shared_ptr<DebugPages>(new DebugPages(std::move(target)));
}

DebugPages::DebugPages(DebugTarget target)
    : target_(std::move(target)),
      started_(std::chrono::steady_clock::now()),
      started_wall_(std::chrono::system_clock::now()) {}

std::string DebugPages::VarsJson() const {
  return internal::RenderVars(target_.metrics ? *target_.metrics : metrics::DefaultRegistry());
}
std::string DebugPages::ConfigJson() const { return internal::RenderConfig(target_.config.get()); }
std::string DebugPages::RpczJson() const {
  if (!target_.rpcz) return R"({"capacity":0,"total":0,"calls":[]})";
  return internal::RenderRpcz(*target_.rpcz);
}
std::string DebugPages::StatusJson() const {
  return internal::RenderStatus({.target = &target_,
                                 .uptime = std::chrono::steady_clock::now() - started_,
                                 .started = started_wall_});
}

void DebugPages::AddRoutes() {
  using Page = std::string (DebugPages::*)() const;
  const std::pair<const char*, Page> pages[] = {
      {kPaths[0], &DebugPages::VarsJson},
      {kPaths[1], &DebugPages::ConfigJson},
      {kPaths[2], &DebugPages::RpczJson},
      {kPaths[3], &DebugPages::StatusJson},
  };
  std::weak_ptr<DebugPages> weak = weak_from_this();
  for (const auto& [path, page] : pages) {
    server::AddHttpRoute("GET", path, [weak, page](http::Request req, http::Responder respond) {
      std::shared_ptr<DebugPages> self = weak.lock();
      std::unique_lock<std::mutex> lock;
      if (self) lock = std::unique_lock(self->mu_);
      if (!self || !self->attached_) {
        respond(
            http::Response::Error(Status::NotFound("no debug pages here: the service is gone")));
        return;
      }
      const std::string& token = self->target_.token;
      if (!token.empty()) {
        std::string auth = req.Header("authorization");
        constexpr std::string_view kBearer = "Bearer ";
        bool ok = auth.size() > kBearer.size() &&
                  std::equal(kBearer.begin(), kBearer.end(), auth.begin(),
                             [](char a, char b) { return std::tolower(a) == std::tolower(b); }) &&
                  SameSecret(std::string_view(auth).substr(kBearer.size()), token);
        if (!ok) {
          http::Response r = http::Response::Error(Status::Unauthenticated(
              "the debug pages need 'Authorization: Bearer <debug.token>'"));
          r.status = 401;
          r.headers.emplace_back("www-authenticate", "Bearer");
          respond(std::move(r));
          return;
        }
      }
      http::Response r = http::Response::Json(200, ((*self).*page)());
      r.headers.emplace_back("cache-control", "no-store");
      respond(std::move(r));
    });
  }
}

void DebugPages::RemoveRoutes() {
  for (const char* path : kPaths) server::RemoveHttpRoute("GET", path);
}

void DebugPages::Detach() {
  std::lock_guard lock(mu_);
  attached_ = false;
}

}  // namespace micro::debug

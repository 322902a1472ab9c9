// The HTTP/1.1 + JSON server transport: micro::http::HttpServer with the RPC paths as the
// router's fallback, /health/live and /health/ready, and the routes other components
// added with micro::server::AddHttpRoute().
#include <charconv>
#include <memory>

#include <nlohmann/json.hpp>

#include <micro/http/http.h>
#include <micro/server/health.h>
#include <micro/server/server.h>
#include <micro/server/transport.h>

#include "transport/builtin.h"
#include "transport/http/extra_routes.h"
#include "transport/http/rpc_handler.h"

namespace micro::transport {

namespace {

using micro::http::Request;
using micro::http::Responder;
using micro::http::Response;

class HttpServerTransport : public server::Transport {
 public:
  HttpServerTransport(std::string host, uint16_t port, size_t threads)
      : host_(std::move(host)), port_(port), threads_(threads) {}
  ~HttpServerTransport() override {
    if (http_) http_->Shutdown(std::chrono::steady_clock::now());
  }

  // server::Transport
  std::string name() const override { return "http"; }

  Status Start(server::Server& server, server::HealthState& health) override {
    if (http_) return Status::FailedPrecondition("the http transport is already started");
    router_.Add("GET", "/health/live", [](const Request&, const Responder& respond) {
      respond(Response::Json(200, R"({"status":"live"})"));
    });
    router_.Add("GET", "/health/ready", [&health](const Request&, const Responder& respond) {
      if (health.ready()) return respond(Response::Json(200, R"({"status":"ready"})"));
      nlohmann::json body = {{"status", "not ready"}, {"reason", health.reason()}};
      respond(Response::Json(503, body.dump()));
    });
    http_json::InstallExtraRoutes(router_);
    router_.SetFallback([&server](Request request, Responder respond) {
      http_json::HandleRpc(server, std::move(request), std::move(respond));
    });
    http_ = std::make_unique<micro::http::HttpServer>(
        router_, micro::http::ServerOptions{.threads = threads_,
                                            .max_body_bytes = server.options().max_request_bytes});
    Status st = http_->Listen(host_, port_);
    if (!st.ok()) http_.reset();
    return st;
  }

  uint16_t port() const override { return http_ ? http_->port() : 0; }

  void Shutdown(Context::Clock::time_point deadline) override {
    if (http_) http_->Shutdown(deadline);
  }

 private:
  std::string host_;
  uint16_t port_;
  size_t threads_;
  micro::http::Router router_;
  std::unique_ptr<micro::http::HttpServer> http_;
};

}  // namespace

Result<std::unique_ptr<server::Transport>> NewHttpServerTransport(const Url& listen) {
  if (listen.hosts.size() != 1) {
    return Status::InvalidArgument(
        "http transport: the listen URL needs exactly one host:port, "
        "as in http://127.0.0.1:8080, got \"" +
        listen.ToString() + "\"");
  }
  size_t threads = 1;
  for (const auto& [key, value] : listen.query) {
    if (key == "threads") {
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), threads);
      if (ec != std::errc() || end != value.data() + value.size() || threads < 1 || threads > 256) {
        return Status::InvalidArgument("http transport: threads must be 1..256, got \"" + value +
                                       "\"");
      }
    } else {
      return Status::InvalidArgument("http transport: unknown option \"" + key +
                                     "\" (known: threads)");
    }
  }
  return std::unique_ptr<server::Transport>(
      std::make_unique<HttpServerTransport>(listen.hosts[0].host, listen.hosts[0].port, threads));
}

}  // namespace micro::transport

// A real OTLP/HTTP JSON receiver for tests: micro::http::HttpServer on a free port that
// accepts POST /v1/traces, checks the content type, parses the body with nlohmann::json
// and keeps every span flattened with its resource's service name.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <micro/http/http.h>

namespace micro::trace::testing {

struct ReceivedSpan {
  std::string service;  // resource attribute service.name
  nlohmann::json span;  // the span object as sent

  std::string Attr(const std::string& key) const {
    for (const auto& a : span.value("attributes", nlohmann::json::array())) {
      if (a.value("key", "") != key) continue;
      const auto& v = a.at("value");
      if (v.contains("stringValue")) return v["stringValue"].get<std::string>();
      if (v.contains("intValue")) return v["intValue"].get<std::string>();
      if (v.contains("boolValue")) return v["boolValue"].get<bool>() ? "true" : "false";
      if (v.contains("doubleValue")) return std::to_string(v["doubleValue"].get<double>());
    }
    return "";
  }
  std::string Id() const { return span.value("spanId", ""); }
  std::string Parent() const { return span.value("parentSpanId", ""); }
  std::string Trace() const { return span.value("traceId", ""); }
  std::string Name() const { return span.value("name", ""); }
};

class OtlpReceiver {
 public:
  OtlpReceiver() {
    router_.Add("POST", "/v1/traces", [this](http::Request req, http::Responder respond) {
      if (req.Header("content-type") != "application/json") {
        return respond(http::Response::Json(415, R"({"error":"content-type"})"));
      }
      auto body = nlohmann::json::parse(req.body, nullptr, /*allow_exceptions=*/false);
      if (body.is_discarded()) return respond(http::Response::Json(400, R"({"error":"json"})"));
      {
        std::lock_guard lock(mu_);
        bodies_.push_back(body);
        for (const auto& rs : body.value("resourceSpans", nlohmann::json::array())) {
          std::string service;
          for (const auto& a : rs["resource"].value("attributes", nlohmann::json::array())) {
            if (a.value("key", "") == "service.name") service = a["value"].value("stringValue", "");
          }
          for (const auto& ss : rs.value("scopeSpans", nlohmann::json::array())) {
            for (const auto& s : ss.value("spans", nlohmann::json::array())) {
              spans_.push_back({service, s});
            }
          }
        }
      }
      respond(http::Response::Json(200, "{}"));
    });
    server_ = std::make_unique<http::HttpServer>(router_);
    (void)server_->Listen("127.0.0.1", 0);
  }
  ~OtlpReceiver() { server_->Shutdown(std::chrono::steady_clock::now()); }

  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  std::vector<ReceivedSpan> spans() const {
    std::lock_guard lock(mu_);
    return spans_;
  }
  std::vector<nlohmann::json> bodies() const {
    std::lock_guard lock(mu_);
    return bodies_;
  }
  size_t count() const {
    std::lock_guard lock(mu_);
    return spans_.size();
  }

 private:
  http::Router router_;
  std::unique_ptr<http::HttpServer> server_;
  mutable std::mutex mu_;
  std::vector<nlohmann::json> bodies_;
  std::vector<ReceivedSpan> spans_;
};

}  // namespace micro::trace::testing

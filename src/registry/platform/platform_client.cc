#include "registry/platform/platform_client.h"

namespace micro::registry {

namespace {

bool Retryable(const Status& s) {
  return s.code() == StatusCode::kUnavailable || s.code() == StatusCode::kDeadlineExceeded;
}

// The server's {"code","message"} error, else a Status from the HTTP status alone.
Status ErrorFromResponse(const http::ClientResponse& r, const std::string& where) {
  auto parsed = wire::ParseObject(r.body);
  if (parsed.ok()) {
    auto code = parsed->find("code");
    auto message = parsed->find("message");
    if (code != parsed->end() && code->is_string()) {
      if (auto c = StatusCodeFromName(code->get<std::string>()); c && *c != StatusCode::kOk) {
        return Status(*c, message != parsed->end() && message->is_string()
                              ? message->get<std::string>()
                              : where);
      }
    }
  }
  return Status(CodeFromHttpStatus(r.status),
                "HTTP " + std::to_string(r.status) + " from " + where);
}

}  // namespace

PlatformClient::PlatformClient(PlatformClientOptions options) : options_(std::move(options)) {
  headers_.emplace_back("content-type", "application/json");
  if (!options_.token.empty()) headers_.emplace_back("authorization", "Bearer " + options_.token);
}

Result<wire::Json> PlatformClient::Call(const std::string& method, const std::string& target,
                                        const std::string& body) {
  size_t first = preferred_.load();
  Status last;
  for (size_t i = 0; i < options_.hosts.size(); ++i) {
    size_t host = (first + i) % options_.hosts.size();
    auto r = CallHost(host, method, target, body, options_.timeout);
    if (r.ok() || !Retryable(r.status())) {
      preferred_.store(host);
      return r;
    }
    last = r.status();
  }
  return last;
}

Result<wire::Json> PlatformClient::CallHost(size_t host, const std::string& method,
                                            const std::string& target, const std::string& body,
                                            std::chrono::milliseconds timeout) {
  const std::string& address = options_.hosts[host];
  auto r = http_.Do(address, method, target, body, headers_, timeout);
  if (!r.ok()) return r.status();
  std::string where = method + " " + address + target;
  if (r->status < 200 || r->status >= 300) return ErrorFromResponse(*r, where);
  auto parsed = wire::ParseObject(r->body);
  if (!parsed.ok()) {
    return Status::Internal("registry answered " + where + " with " + parsed.status().message());
  }
  return std::move(*parsed);
}

}  // namespace micro::registry

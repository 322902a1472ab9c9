#include <micro/core/url.h>
#include <micro/http/http.h>
#include <micro/trace/exporter.h>

namespace micro::trace {

struct OtlpHttpExporter::State {
  std::string host_port;
  std::string path;
  Resource resource;
  std::chrono::milliseconds timeout;
  micro::http::HttpClient http;
};

OtlpHttpExporter::OtlpHttpExporter() : state_(std::make_unique<State>()) {}
OtlpHttpExporter::~OtlpHttpExporter() = default;

Result<std::unique_ptr<OtlpHttpExporter>> OtlpHttpExporter::Create(
    const std::string& endpoint, Resource resource, std::chrono::milliseconds timeout) {
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("trace.endpoint \"" + endpoint + "\": " + why +
                                   " (expected http://host:port, e.g. http://127.0.0.1:4318)");
  };
  auto url = Url::Parse(endpoint);
  if (!url.ok()) return bad(url.status().message());
  if (url->scheme != "http") return bad("only http:// is supported");
  if (url->hosts.size() != 1 || url->hosts[0].host.empty()) return bad("needs one host");
  if (!url->query.empty()) return bad("takes no query");
  std::unique_ptr<OtlpHttpExporter> e(new OtlpHttpExporter());
  const HostPort& hp = url->hosts[0];
  uint16_t port = hp.port != 0 ? hp.port : 4318;  // OTLP/HTTP's default port
  bool v6 = hp.host.find(':') != std::string::npos;
  e->state_->host_port = (v6 ? "[" + hp.host + "]" : hp.host) + ":" + std::to_string(port);
  std::string path = url->path;
  while (!path.empty() && path.back() == '/') path.pop_back();
  if (!path.ends_with("/v1/traces")) path += "/v1/traces";
  e->state_->path = std::move(path);
  e->state_->resource = std::move(resource);
  e->state_->timeout = timeout;
  return e;
}

Status OtlpHttpExporter::Export(const std::vector<SpanData>& batch) {
  if (batch.empty()) return {};
  State& s = *state_;
  auto r = s.http.Do(s.host_port, "POST", s.path, EncodeOtlpJson(s.resource, batch),
                     {{"content-type", "application/json"}}, s.timeout);
  if (!r.ok()) return r.status();
  if (r->status < 200 || r->status >= 300) {
    return Status::Unavailable("OTLP receiver http://" + s.host_port + s.path + " answered " +
                               std::to_string(r->status) + ": " + r->body.substr(0, 200));
  }
  return {};
}

}  // namespace micro::trace

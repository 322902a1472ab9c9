#include "platform/traces/trace_api.h"

#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <string_view>

#include <nlohmann/json.hpp>

#include "platform/traces/gzip.h"
#include "platform/traces/otlp_json.h"

namespace micro::platform::traces {

namespace {

using Json = nlohmann::json;

constexpr std::string_view kTracesPath = "/v1/traces";
constexpr size_t kMaxLimit = 1000;
constexpr uint64_t kDefaultDependencyLookbackNs = 3600ull * 1000 * 1000 * 1000;

void Reply(http::Responder& res, const http::Request& req, const Status& status,
           int http_status = 0) {
  auto r = http::Response::Error(status, req.Header("x-request-id"));
  if (http_status != 0) r.status = http_status;
  res(std::move(r));
}

void ReplyJson(http::Responder& res, const Json& body) {
  res(http::Response::Json(200, body.dump(-1, ' ', false, Json::error_handler_t::replace)));
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

Json ParsedOr(const std::string& text, Json fallback) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? fallback : j;
}

Json SpanToJson(const Span& s) {
  return Json{{"trace_id", s.trace_id},
              {"span_id", s.span_id},
              {"parent_span_id", s.parent_span_id},
              {"service", s.service},
              {"scope", s.scope},
              {"name", s.name},
              {"kind", s.kind},
              {"kind_name", SpanKindName(s.kind)},
              {"start_unix_nano", std::to_string(s.start_ns)},
              {"end_unix_nano", std::to_string(s.end_ns)},
              {"duration_ns", s.duration_ns()},
              {"status", {{"code", s.status_code}, {"message", s.status_message}}},
              {"attributes", ParsedOr(s.attributes, Json::object())},
              {"events", ParsedOr(s.events, Json::array())},
              {"resource", ParsedOr(s.resource, Json::object())}};
}

Json SummaryToJson(const TraceSummary& t) {
  return Json{{"trace_id", t.trace_id},         {"root_service", t.root_service},
              {"root_name", t.root_name},       {"start_unix_nano", std::to_string(t.start_ns)},
              {"duration_ns", t.duration_ns()}, {"span_count", t.span_count},
              {"error_count", t.error_count},   {"services", t.services}};
}

std::string QueryString(const http::Request& req, const std::string& key) {
  auto it = req.query.find(key);
  return it == req.query.end() ? "" : it->second;
}

Result<uint64_t> QueryUint(const http::Request& req, const std::string& key, uint64_t fallback) {
  std::string text = QueryString(req, key);
  if (text.empty()) return fallback;
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return Status::InvalidArgument("query parameter '" + key +
                                   "' must be a non-negative integer, got '" + text + "'");
  }
  return value;
}

uint64_t NowNs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

// start/end (unix ns) or lookback (a duration back from now) into [from, to).
Status TimeRange(const http::Request& req, uint64_t default_lookback_ns, uint64_t* from,
                 uint64_t* to) {
  auto start = QueryUint(req, "start", 0);
  if (!start.ok()) return start.status();
  auto end = QueryUint(req, "end", 0);
  if (!end.ok()) return end.status();
  *from = *start;
  *to = *end;
  std::string lookback = QueryString(req, "lookback");
  if (!lookback.empty()) {
    auto ns = ParseDurationNs(lookback);
    if (!ns.ok()) {
      return Status::InvalidArgument("query parameter 'lookback': " + ns.status().message());
    }
    uint64_t now = NowNs();
    *from = *ns >= now ? 1 : now - *ns;
  } else if (*start == 0 && *end == 0 && default_lookback_ns != 0) {
    *from = NowNs() - default_lookback_ns;
  }
  return {};
}

}  // namespace

Result<uint64_t> ParseDurationNs(std::string_view text) {
  auto bad = [&] {
    return Status::InvalidArgument("'" + std::string(text) +
                                   "' is not a duration (like 250ms, 1.5s, 300us, 2m)");
  };
  size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) {
    ++i;
  }
  if (i == 0) return bad();
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + i, value);
  if (ec != std::errc() || end != text.data() + i) return bad();
  std::string_view unit = text.substr(i);
  double scale = 0;
  if (unit.empty() || unit == "ms") {
    scale = 1e6;
  } else if (unit == "ns") {
    scale = 1;
  } else if (unit == "us" || unit == "\xC2\xB5s") {
    scale = 1e3;
  } else if (unit == "s") {
    scale = 1e9;
  } else if (unit == "m") {
    scale = 60e9;
  } else if (unit == "h") {
    scale = 3600e9;
  } else {
    return bad();
  }
  double ns = value * scale;
  if (!std::isfinite(ns) || ns >= 1.8e19) return bad();
  return static_cast<uint64_t>(std::llround(ns));
}

TraceApi::TraceApi(TraceStore& store, runtime::ThreadPool& workers, TraceApiOptions options)
    : store_(store), workers_(workers), options_(std::move(options)) {}

void TraceApi::Install(ApiRoutes& routes) {
  auto route = [this](auto handle) {
    return [this, handle](http::Request req, http::Responder res) {
      OnWorker(std::move(req), std::move(res), handle);
    };
  };
  std::string base(kTracesPath);
  routes.Add("POST", base, route(&TraceApi::HandleExport));
  routes.Add("GET", base, route(&TraceApi::HandleSearch));
  routes.Add("GET", base + "/services", route(&TraceApi::HandleServices));
  routes.Add("GET", base + "/dependencies", route(&TraceApi::HandleDependencies));
  routes.AddPrefix("GET", base + "/", route(&TraceApi::HandleGet));
}

void TraceApi::OnWorker(http::Request req, http::Responder res,
                        void (TraceApi::*handle)(const http::Request&, http::Responder&)) {
  auto shared =
      std::make_shared<std::pair<http::Request, http::Responder>>(std::move(req), std::move(res));
  bool posted =
      workers_.Post([this, shared, handle] { (this->*handle)(shared->first, shared->second); });
  if (!posted) {
    Reply(shared->second, shared->first, Status::Unavailable("the platform is shutting down"));
  }
}

void TraceApi::HandleExport(const http::Request& req, http::Responder& res) {
  if (options_.authorize) {
    if (Status s = options_.authorize(req); !s.ok()) return Reply(res, req, s);
  }
  std::string type = Lower(req.Header("content-type"));
  if (type.find("protobuf") != std::string::npos) {
    return Reply(res, req,
                 Status::Unimplemented("OTLP/HTTP protobuf is not supported here: send OTLP JSON "
                                       "(Content-Type: application/json; in OpenTelemetry SDKs "
                                       "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=http/json)"),
                 415);
  }
  std::string encoding = Lower(req.Header("content-encoding"));
  std::string inflated;
  std::string_view body = req.body;
  if (encoding == "gzip") {
    auto out = GunzipBounded(req.body, options_.max_inflated_bytes);
    if (!out.ok()) {
      return Reply(res, req, out.status(),
                   out.status().code() == StatusCode::kResourceExhausted ? 413 : 0);
    }
    inflated = std::move(*out);
    body = inflated;
  } else if (!encoding.empty() && encoding != "identity") {
    return Reply(res, req,
                 Status::Unimplemented("Content-Encoding '" + encoding +
                                       "' is not supported (send gzip or none)"),
                 415);
  }
  auto parsed = ParseOtlpTraces(body);
  if (!parsed.ok()) return Reply(res, req, parsed.status());
  size_t rejected = parsed->rejected;
  std::string message = parsed->error_message;
  if (!parsed->spans.empty()) {
    auto appended = store_.Append(std::move(parsed->spans));
    if (!appended.ok()) return Reply(res, req, appended.status());
    if (appended->dropped > 0) {
      rejected += appended->dropped;
      if (message.empty()) {
        message = std::to_string(appended->dropped) +
                  " spans dropped: their trace reached the store's per-trace span limit";
      }
    }
  }
  Json answer = Json::object();
  if (rejected > 0) {
    // int64 in the protobuf JSON mapping is a string.
    answer["partialSuccess"] = {{"rejectedSpans", std::to_string(rejected)},
                                {"errorMessage", message}};
  }
  ReplyJson(res, answer);
}

void TraceApi::HandleSearch(const http::Request& req, http::Responder& res) {
  TraceQuery q;
  q.service = QueryString(req, "service");
  q.operation = QueryString(req, "operation");
  if (std::string d = QueryString(req, "min_duration"); !d.empty()) {
    auto ns = ParseDurationNs(d);
    if (!ns.ok()) {
      return Reply(
          res, req,
          Status::InvalidArgument("query parameter 'min_duration': " + ns.status().message()));
    }
    q.min_duration_ns = *ns;
  }
  std::string error = Lower(QueryString(req, "error"));
  if (error == "true" || error == "1") {
    q.errors_only = true;
  } else if (!error.empty() && error != "false" && error != "0") {
    return Reply(res, req,
                 Status::InvalidArgument("query parameter 'error' must be true or false, got '" +
                                         error + "'"));
  }
  if (Status s = TimeRange(req, 0, &q.start_from_ns, &q.start_to_ns); !s.ok()) {
    return Reply(res, req, s);
  }
  auto limit = QueryUint(req, "limit", 20);
  if (!limit.ok()) return Reply(res, req, limit.status());
  if (*limit == 0 || *limit > kMaxLimit) {
    return Reply(
        res, req,
        Status::InvalidArgument("query parameter 'limit' must be 1.." + std::to_string(kMaxLimit)));
  }
  q.limit = *limit;
  auto found = store_.Search(q);
  if (!found.ok()) return Reply(res, req, found.status());
  Json traces = Json::array();
  for (const auto& t : *found) traces.push_back(SummaryToJson(t));
  ReplyJson(res, Json{{"traces", std::move(traces)}});
}

void TraceApi::HandleGet(const http::Request& req, http::Responder& res) {
  std::string_view tail = std::string_view(req.path).substr(kTracesPath.size() + 1);
  if (tail.find('/') != std::string_view::npos) {
    return Reply(res, req, Status::NotFound("no such endpoint: GET " + req.path));
  }
  std::string id = NormalizeId(tail, 16);
  if (id.empty() || tail.size() != 32) {
    return Reply(
        res, req,
        Status::InvalidArgument("trace id must be 32 hex digits, got '" + std::string(tail) + "'"));
  }
  auto spans = store_.GetTrace(id);
  if (!spans.ok()) return Reply(res, req, spans.status());
  Json out = Json::array();
  for (const auto& s : *spans) out.push_back(SpanToJson(s));
  ReplyJson(res, Json{{"trace_id", id}, {"spans", std::move(out)}});
}

void TraceApi::HandleServices(const http::Request& req, http::Responder& res) {
  auto services = store_.Services();
  if (!services.ok()) return Reply(res, req, services.status());
  Json out = Json::array();
  for (const auto& s : *services) {
    out.push_back({{"name", s.service}, {"operations", s.operations}});
  }
  ReplyJson(res, Json{{"services", std::move(out)}});
}

void TraceApi::HandleDependencies(const http::Request& req, http::Responder& res) {
  uint64_t from = 0, to = 0;
  if (Status s = TimeRange(req, kDefaultDependencyLookbackNs, &from, &to); !s.ok()) {
    return Reply(res, req, s);
  }
  auto graph = store_.Dependencies(from, to);
  if (!graph.ok()) return Reply(res, req, graph.status());
  Json edges = Json::array();
  for (const auto& e : graph->edges) {
    edges.push_back({{"caller", e.caller},
                     {"callee", e.callee},
                     {"calls", e.calls},
                     {"errors", e.errors},
                     {"error_rate", e.error_rate()},
                     {"p50_ns", e.p50_ns},
                     {"p99_ns", e.p99_ns}});
  }
  ReplyJson(res, Json{{"services", graph->services}, {"edges", std::move(edges)}});
}

}  // namespace micro::platform::traces

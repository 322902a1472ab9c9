// OTLP/HTTP JSON encoding of spans (opentelemetry-proto's JSON mapping, with OTLP's
// deviations from the protobuf one: trace and span ids as hex, not base64).
#include <nlohmann/json.hpp>

#include <micro/trace/exporter.h>

namespace micro::trace {

namespace {

using nlohmann::json;

json Value(const AttributeValue& v) {
  return std::visit(
      [](const auto& x) -> json {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return {{"stringValue", x}};
        } else if constexpr (std::is_same_v<T, int64_t>) {
          return {{"intValue", std::to_string(x)}};  // int64 is a string in proto3 JSON
        } else if constexpr (std::is_same_v<T, bool>) {
          return {{"boolValue", x}};
        } else {
          return {{"doubleValue", x}};
        }
      },
      v);
}

json EncodeAttributes(const Attributes& attributes) {
  json out = json::array();
  for (const auto& [key, value] : attributes)
    out.push_back({{"key", key}, {"value", Value(value)}});
  return out;
}

json EncodeSpan(const SpanData& s) {
  json span = {
      {"traceId", s.context.trace_id.Hex()},
      {"spanId", s.context.span_id.Hex()},
      {"name", s.name},
      {"kind", static_cast<int>(s.kind)},
      {"startTimeUnixNano", std::to_string(s.start_unix_nano)},
      {"endTimeUnixNano", std::to_string(s.end_unix_nano)},
      {"attributes", EncodeAttributes(s.attributes)},
      {"flags", static_cast<int>(s.context.flags)},
  };
  if (s.parent_span_id.valid()) span["parentSpanId"] = s.parent_span_id.Hex();
  if (!s.context.trace_state.empty()) span["traceState"] = s.context.trace_state;
  if (!s.events.empty()) {
    json events = json::array();
    for (const auto& e : s.events) {
      events.push_back({{"timeUnixNano", std::to_string(e.time_unix_nano)},
                        {"name", e.name},
                        {"attributes", EncodeAttributes(e.attributes)}});
    }
    span["events"] = std::move(events);
  }
  json status = {{"code", static_cast<int>(s.status)}};
  if (!s.status_message.empty()) status["message"] = s.status_message;
  span["status"] = std::move(status);
  return span;
}

}  // namespace

std::string EncodeOtlpJson(const Resource& resource, const std::vector<SpanData>& spans) {
  Attributes attrs = {{"service.name", resource.service_name},
                      {"telemetry.sdk.name", std::string("micro-cpp")},
                      {"telemetry.sdk.language", std::string("cpp")}};
  if (!resource.service_instance_id.empty()) {
    attrs.emplace_back("service.instance.id", resource.service_instance_id);
  }
  if (!resource.service_version.empty()) {
    attrs.emplace_back("service.version", resource.service_version);
  }
  attrs.insert(attrs.end(), resource.extra.begin(), resource.extra.end());

  json encoded = json::array();
  for (const auto& s : spans) encoded.push_back(EncodeSpan(s));
  json body = {{"resourceSpans",
                json::array({{{"resource", {{"attributes", EncodeAttributes(attrs)}}},
                              {"scopeSpans", json::array({{{"scope", {{"name", "micro-cpp"}}},
                                                           {"spans", std::move(encoded)}}})}}})}};
  // Names and messages come from requests: never let bad UTF-8 fail the whole batch.
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace micro::trace

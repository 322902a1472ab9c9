#include "platform/traces/otlp_json.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <exception>
#include <initializer_list>
#include <limits>
#include <optional>

#include <nlohmann/json.hpp>

namespace micro::platform::traces {

namespace {

using Json = nlohmann::json;

// AnyValue nesting deeper than this is stored as null (a hostile body could otherwise
// recurse the decoder off its stack).
constexpr int kMaxValueDepth = 16;

std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

// The member `camel`, or its proto field name `snake` (protobuf JSON parsers accept both).
const Json* Field(const Json& obj, std::string_view camel, std::string_view snake = {}) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(camel);
  if (it != obj.end() && !it->is_null()) return &*it;
  if (!snake.empty()) {
    it = obj.find(snake);
    if (it != obj.end() && !it->is_null()) return &*it;
  }
  return nullptr;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int Base64Digit(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

std::optional<std::string> Base64Decode(std::string_view in) {
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int d = Base64Digit(c);
    if (d < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

// Unsigned 64-bit integer as OTLP JSON writes fixed64: a decimal string, or a number.
std::optional<uint64_t> Uint64(const Json& v) {
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer()) {
    int64_t i = v.get<int64_t>();
    if (i < 0) return std::nullopt;
    return static_cast<uint64_t>(i);
  }
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (!(d >= 0 && d < 18446744073709551616.0)) return std::nullopt;
    return static_cast<uint64_t>(d);
  }
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    uint64_t out = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
    return out;
  }
  return std::nullopt;
}

std::optional<int64_t> Int64(const Json& v) {
  if (v.is_number_integer()) return v.get<int64_t>();  // unsigned ones above 2^63 overflow
  if (v.is_number_unsigned()) {
    uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return static_cast<int64_t>(u);
  }
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    int64_t out = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
    return out;
  }
  return std::nullopt;
}

// An enum given as its number or its name (names[i] is the name of value i).
int Enum(const Json* v, std::initializer_list<std::string_view> names) {
  if (v == nullptr) return 0;
  if (v->is_number_integer() || v->is_number_unsigned()) {
    auto i = Int64(*v);
    return i && *i >= 0 && *i < static_cast<int64_t>(names.size()) ? static_cast<int>(*i) : 0;
  }
  if (v->is_string()) {
    int i = 0;
    for (auto name : names) {
      if (v->get_ref<const std::string&>() == name) return i;
      ++i;
    }
  }
  return 0;
}

Json AttributesToJson(const Json* list, int depth);

// AnyValue {stringValue|boolValue|intValue|doubleValue|arrayValue|kvlistValue|bytesValue} as
// the plain JSON value it holds.
Json AnyValueToJson(const Json& v, int depth) {
  if (!v.is_object() || depth > kMaxValueDepth) return nullptr;
  if (const Json* s = Field(v, "stringValue", "string_value"); s && s->is_string()) return *s;
  if (const Json* b = Field(v, "boolValue", "bool_value"); b && b->is_boolean()) return *b;
  if (const Json* i = Field(v, "intValue", "int_value")) {
    if (auto n = Int64(*i)) return *n;
    return nullptr;
  }
  if (const Json* d = Field(v, "doubleValue", "double_value")) {
    if (d->is_number()) return d->get<double>();
    if (d->is_string()) return *d;  // "NaN", "Infinity": JSON numbers cannot say these
    return nullptr;
  }
  if (const Json* a = Field(v, "arrayValue", "array_value")) {
    Json out = Json::array();
    const Json* values = Field(*a, "values");
    if (values && values->is_array()) {
      for (const auto& e : *values) out.push_back(AnyValueToJson(e, depth + 1));
    }
    return out;
  }
  if (const Json* kv = Field(v, "kvlistValue", "kvlist_value")) {
    return AttributesToJson(Field(*kv, "values"), depth + 1);
  }
  if (const Json* bytes = Field(v, "bytesValue", "bytes_value"); bytes && bytes->is_string()) {
    return *bytes;  // base64, as sent
  }
  return nullptr;
}

// [{key, value: AnyValue}] as one object; malformed entries are skipped, a repeated key keeps
// its last value.
Json AttributesToJson(const Json* list, int depth) {
  Json out = Json::object();
  if (list == nullptr || !list->is_array() || depth > kMaxValueDepth) return out;
  for (const auto& kv : *list) {
    const Json* key = Field(kv, "key");
    if (key == nullptr || !key->is_string()) continue;
    const Json* value = Field(kv, "value");
    out[key->get<std::string>()] = value ? AnyValueToJson(*value, depth + 1) : Json(nullptr);
  }
  return out;
}

std::string EventsToJson(const Json* list) {
  Json out = Json::array();
  if (list == nullptr || !list->is_array()) return "[]";
  for (const auto& e : *list) {
    if (!e.is_object()) continue;
    Json event = Json::object();
    const Json* name = Field(e, "name");
    event["name"] = name && name->is_string() ? name->get<std::string>() : "";
    const Json* time = Field(e, "timeUnixNano", "time_unix_nano");
    auto t = time ? Uint64(*time) : std::nullopt;
    event["time_unix_nano"] = std::to_string(t.value_or(0));
    event["attributes"] = AttributesToJson(Field(e, "attributes"), 0);
    out.push_back(std::move(event));
  }
  return Dump(out);
}

// The span at `path`, or why it is rejected.
Result<Span> SpanFromJson(const Json& j, const std::string& path) {
  auto reject = [&](const std::string& why) { return Status::InvalidArgument(path + ": " + why); };
  if (!j.is_object()) return reject("must be an object");
  Span span;
  const Json* trace_id = Field(j, "traceId", "trace_id");
  if (trace_id == nullptr || !trace_id->is_string()) return reject("missing traceId");
  span.trace_id = NormalizeId(trace_id->get_ref<const std::string&>(), 16);
  if (span.trace_id.empty() || span.trace_id == std::string(32, '0')) {
    return reject("traceId must be 32 hex digits, not all zero");
  }
  const Json* span_id = Field(j, "spanId", "span_id");
  if (span_id == nullptr || !span_id->is_string()) return reject("missing spanId");
  span.span_id = NormalizeId(span_id->get_ref<const std::string&>(), 8);
  if (span.span_id.empty() || span.span_id == std::string(16, '0')) {
    return reject("spanId must be 16 hex digits, not all zero");
  }
  if (const Json* parent = Field(j, "parentSpanId", "parent_span_id")) {
    if (!parent->is_string()) return reject("parentSpanId must be a string");
    const auto& text = parent->get_ref<const std::string&>();
    if (!text.empty()) {
      span.parent_span_id = NormalizeId(text, 8);
      if (span.parent_span_id.empty()) return reject("parentSpanId must be 16 hex digits");
      if (span.parent_span_id == std::string(16, '0')) span.parent_span_id.clear();
    }
  }
  if (const Json* name = Field(j, "name"); name && name->is_string()) span.name = *name;
  span.kind =
      Enum(Field(j, "kind"), {"SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER",
                              "SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"});
  const Json* start = Field(j, "startTimeUnixNano", "start_time_unix_nano");
  auto start_ns = start ? Uint64(*start) : std::nullopt;
  if (!start_ns || *start_ns == 0) {
    return reject("startTimeUnixNano must be a positive integer (a decimal string)");
  }
  span.start_ns = *start_ns;
  span.end_ns = span.start_ns;
  if (const Json* end = Field(j, "endTimeUnixNano", "end_time_unix_nano")) {
    auto end_ns = Uint64(*end);
    if (!end_ns) return reject("endTimeUnixNano must be an integer (a decimal string)");
    span.end_ns = std::max(*end_ns, span.start_ns);  // clock skew: never a negative duration
  }
  if (const Json* status = Field(j, "status"); status && status->is_object()) {
    span.status_code =
        Enum(Field(*status, "code"), {"STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"});
    if (const Json* m = Field(*status, "message"); m && m->is_string()) span.status_message = *m;
  }
  span.attributes = Dump(AttributesToJson(Field(j, "attributes"), 0));
  span.events = EventsToJson(Field(j, "events"));
  return span;
}

// The array at `key` of `obj` ("" when absent), or an error naming `path`.
Result<const Json*> OptionalArray(const Json& obj, std::string_view camel, std::string_view snake,
                                  const std::string& path) {
  const Json* a = Field(obj, camel, snake);
  if (a != nullptr && !a->is_array()) {
    return Status::InvalidArgument("field '" + path + std::string(camel) + "' must be an array");
  }
  return a;
}

Status ParseInto(const Json& root, OtlpTraces& out) {
  if (!root.is_object()) return Status::InvalidArgument("malformed OTLP JSON: expected an object");
  auto resource_spans = OptionalArray(root, "resourceSpans", "resource_spans", "");
  if (!resource_spans.ok()) return resource_spans.status();
  if (*resource_spans == nullptr) return {};  // an empty export is valid
  size_t r = 0;
  for (const auto& rs : **resource_spans) {
    std::string rpath = "resourceSpans[" + std::to_string(r++) + "]";
    if (!rs.is_object()) return Status::InvalidArgument("'" + rpath + "' must be an object");
    Json resource_attrs = Json::object();
    if (const Json* resource = Field(rs, "resource")) {
      if (!resource->is_object()) {
        return Status::InvalidArgument("field '" + rpath + ".resource' must be an object");
      }
      resource_attrs = AttributesToJson(Field(*resource, "attributes"), 0);
    }
    std::string service = "unknown_service";  // the OpenTelemetry SDKs' default
    if (auto it = resource_attrs.find("service.name"); it != resource_attrs.end() &&
                                                       it->is_string() &&
                                                       !it->get_ref<const std::string&>().empty()) {
      service = it->get<std::string>();
    }
    std::string resource_text = Dump(resource_attrs);

    // scopeSpans, or instrumentationLibrarySpans from OTLP before 0.15.
    bool legacy = false;
    auto scope_spans = OptionalArray(rs, "scopeSpans", "scope_spans", rpath + ".");
    if (!scope_spans.ok()) return scope_spans.status();
    if (*scope_spans == nullptr) {
      scope_spans = OptionalArray(rs, "instrumentationLibrarySpans",
                                  "instrumentation_library_spans", rpath + ".");
      if (!scope_spans.ok()) return scope_spans.status();
      legacy = true;
    }
    if (*scope_spans == nullptr) continue;
    size_t s = 0;
    for (const auto& ss : **scope_spans) {
      std::string spath = rpath + (legacy ? ".instrumentationLibrarySpans[" : ".scopeSpans[") +
                          std::to_string(s++) + "]";
      if (!ss.is_object()) return Status::InvalidArgument("'" + spath + "' must be an object");
      std::string scope;
      const Json* scope_obj = legacy
                                  ? Field(ss, "instrumentationLibrary", "instrumentation_library")
                                  : Field(ss, "scope");
      if (scope_obj != nullptr) {
        if (const Json* n = Field(*scope_obj, "name"); n && n->is_string()) scope = *n;
      }
      auto spans = OptionalArray(ss, "spans", "", spath + ".");
      if (!spans.ok()) return spans.status();
      if (*spans == nullptr) continue;
      size_t i = 0;
      for (const auto& sj : **spans) {
        auto span = SpanFromJson(sj, spath + ".spans[" + std::to_string(i++) + "]");
        if (!span.ok()) {
          if (out.rejected++ == 0) out.error_message = span.status().message();
          continue;
        }
        span->service = service;
        span->scope = scope;
        span->resource = resource_text;
        out.spans.push_back(std::move(*span));
      }
    }
  }
  return {};
}

}  // namespace

std::string NormalizeId(std::string_view text, size_t bytes) {
  std::string hex;
  if (text.size() == bytes * 2) {
    hex.reserve(text.size());
    for (char c : text) {
      int d = HexDigit(c);
      if (d < 0) {
        hex.clear();
        break;
      }
      hex.push_back("0123456789abcdef"[d]);
    }
    if (!hex.empty()) return hex;
  }
  auto raw = Base64Decode(text);
  if (!raw || raw->size() != bytes) return "";
  for (unsigned char c : *raw) {
    hex.push_back("0123456789abcdef"[c >> 4]);
    hex.push_back("0123456789abcdef"[c & 0xf]);
  }
  return hex;
}

Result<OtlpTraces> ParseOtlpTraces(std::string_view body) {
  OtlpTraces out;
  try {
    Json root = Json::parse(body);
    if (Status s = ParseInto(root, out); !s.ok()) return s;
  } catch (const Json::exception& e) {
    // parse_error, and out_of_range for numbers beyond a double ("1e400").
    return Status::InvalidArgument(std::string("malformed JSON: ") + e.what());
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string("malformed OTLP JSON: ") + e.what());
  }
  return out;
}

}  // namespace micro::platform::traces

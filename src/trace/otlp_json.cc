// OTLP/HTTP JSON encoding of spans (opentelemetry-proto's JSON mapping, with OTLP's
// deviations from the protobuf one: trace and span ids as hex, not base64).
//
// Written by hand rather than through nlohmann::json: the exporter thread encodes every
// sampled span, and a DOM per span costs more CPU than the call it describes.
#include <charconv>
#include <cmath>

#include <micro/trace/exporter.h>

namespace micro::trace {

namespace {

// Length of the valid UTF-8 sequence at s[i], or 0 when it is not valid.
size_t Utf8Length(std::string_view s, size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  auto cont = [&](size_t k) {
    return i + k < s.size() && (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
  };
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    auto c1 = static_cast<unsigned char>(s[i + 1]);
    if (c == 0xE0 && c1 < 0xA0) return 0;  // overlong
    if (c == 0xED && c1 > 0x9F) return 0;  // surrogates
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    auto c1 = static_cast<unsigned char>(s[i + 1]);
    if (c == 0xF0 && c1 < 0x90) return 0;  // overlong
    if (c == 0xF4 && c1 > 0x8F) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}

  // A JSON string; bytes that are not UTF-8 become U+FFFD (names and messages come from
  // requests: one bad byte must not cost the whole batch).
  // Runs of bytes that need no escaping (nearly all of them) are copied in one append.
  void String(std::string_view s) {
    out_.push_back('"');
    size_t run = 0;  // start of the bytes not yet copied
    for (size_t i = 0; i < s.size();) {
      char c = s[i];
      auto u = static_cast<unsigned char>(c);
      if (u >= 0x20 && u < 0x80 && c != '"' && c != '\\') {
        ++i;
        continue;
      }
      if (u >= 0x80) {
        size_t n = Utf8Length(s, i);
        if (n != 0) {
          i += n;
          continue;
        }
      }
      out_.append(s.data() + run, i - run);
      run = ++i;
      if (u >= 0x80) {
        out_.append("\\ufffd");
        continue;
      }
      switch (c) {
        case '"':
          out_.append("\\\"");
          break;
        case '\\':
          out_.append("\\\\");
          break;
        case '\n':
          out_.append("\\n");
          break;
        case '\r':
          out_.append("\\r");
          break;
        case '\t':
          out_.append("\\t");
          break;
        default:
          if (u < 0x20) {
            static constexpr char kHex[] = "0123456789abcdef";
            out_.append("\\u00");
            out_.push_back(kHex[u >> 4]);
            out_.push_back(kHex[u & 0xf]);
          }
      }
    }
    out_.append(s.data() + run, s.size() - run);
    out_.push_back('"');
  }

  void Key(std::string_view key) {
    String(key);
    out_.push_back(':');
  }
  // int64 values are strings in proto3 JSON.
  void QuotedInt(int64_t v) {
    out_.push_back('"');
    Int(v);
    out_.push_back('"');
  }
  void Int(int64_t v) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, end);
  }
  void Double(double v) {
    if (std::isnan(v)) return String("NaN");  // proto3 JSON's spelling of the specials
    if (std::isinf(v)) return String(v > 0 ? "Infinity" : "-Infinity");
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, end);
  }
  void Raw(std::string_view s) { out_.append(s); }
  template <typename Id>
  void Hex(const Id& id) {
    AppendHex(id, &out_);
  }

 private:
  std::string& out_;
};

void WriteValue(Writer& w, const AttributeValue& v) {
  w.Raw("{");
  if (const auto* s = std::get_if<std::string>(&v)) {
    w.Key("stringValue");
    w.String(*s);
  } else if (const auto* i = std::get_if<int64_t>(&v)) {
    w.Key("intValue");
    w.QuotedInt(*i);
  } else if (const auto* b = std::get_if<bool>(&v)) {
    w.Key("boolValue");
    w.Raw(*b ? "true" : "false");
  } else {
    w.Key("doubleValue");
    w.Double(std::get<double>(v));
  }
  w.Raw("}");
}

void WriteAttributes(Writer& w, const Attributes& attributes) {
  w.Raw("[");
  bool first = true;
  for (const auto& [key, value] : attributes) {
    if (!first) w.Raw(",");
    first = false;
    w.Raw("{\"key\":");
    w.String(key);
    w.Raw(",\"value\":");
    WriteValue(w, value);
    w.Raw("}");
  }
  w.Raw("]");
}

void WriteSpan(Writer& w, const SpanData& s) {
  w.Raw("{\"traceId\":\"");
  w.Hex(s.context.trace_id);
  w.Raw("\",\"spanId\":\"");
  w.Hex(s.context.span_id);
  w.Raw("\"");
  if (s.parent_span_id.valid()) {
    w.Raw(",\"parentSpanId\":\"");
    w.Hex(s.parent_span_id);
    w.Raw("\"");
  }
  if (!s.context.trace_state.empty()) {
    w.Raw(",\"traceState\":");
    w.String(s.context.trace_state);
  }
  w.Raw(",\"flags\":");
  w.Int(s.context.flags);
  w.Raw(",\"name\":");
  w.String(s.name);
  w.Raw(",\"kind\":");
  w.Int(static_cast<int>(s.kind));
  w.Raw(",\"startTimeUnixNano\":");
  w.QuotedInt(s.start_unix_nano);
  w.Raw(",\"endTimeUnixNano\":");
  w.QuotedInt(s.end_unix_nano);
  w.Raw(",\"attributes\":");
  WriteAttributes(w, s.attributes);
  if (!s.events.empty()) {
    w.Raw(",\"events\":[");
    bool first = true;
    for (const auto& e : s.events) {
      if (!first) w.Raw(",");
      first = false;
      w.Raw("{\"timeUnixNano\":");
      w.QuotedInt(e.time_unix_nano);
      w.Raw(",\"name\":");
      w.String(e.name);
      w.Raw(",\"attributes\":");
      WriteAttributes(w, e.attributes);
      w.Raw("}");
    }
    w.Raw("]");
  }
  w.Raw(",\"status\":{\"code\":");
  w.Int(static_cast<int>(s.status));
  if (!s.status_message.empty()) {
    w.Raw(",\"message\":");
    w.String(s.status_message);
  }
  w.Raw("}}");
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

  std::string out;
  out.reserve(256 + spans.size() * 1024);
  Writer w(out);
  w.Raw("{\"resourceSpans\":[{\"resource\":{\"attributes\":");
  WriteAttributes(w, attrs);
  w.Raw("},\"scopeSpans\":[{\"scope\":{\"name\":\"micro-cpp\"},\"spans\":[");
  for (size_t i = 0; i < spans.size(); ++i) {
    if (i > 0) w.Raw(",");
    WriteSpan(w, spans[i]);
  }
  w.Raw("]}]}]}");
  return out;
}

}  // namespace micro::trace

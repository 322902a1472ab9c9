// Fuzz target: the platform trace receiver's OTLP/HTTP JSON decoder
// (apps/platform/traces/otlp_json.h), which reads whatever any exporter POSTs to /v1/traces.
// Whatever it accepts must be a span the stores can hold: normalized ids, ordered times,
// JSON texts that parse.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "platform/traces/otlp_json.h"

namespace traces = micro::platform::traces;

namespace {

bool IsLowerHex(const std::string& s, size_t digits) {
  if (s.size() != digits) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool ParsesAs(const std::string& text, bool object) {
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  return !j.is_discarded() && (object ? j.is_object() : j.is_array());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = traces::ParseOtlpTraces(text);
  if (!parsed.ok()) return 0;
  if (parsed->rejected > 0 && parsed->error_message.empty()) __builtin_trap();
  for (const auto& span : parsed->spans) {
    if (!IsLowerHex(span.trace_id, 32) || !IsLowerHex(span.span_id, 16)) __builtin_trap();
    if (!span.parent_span_id.empty() && !IsLowerHex(span.parent_span_id, 16)) __builtin_trap();
    if (span.start_ns == 0 || span.end_ns < span.start_ns) __builtin_trap();
    if (span.service.empty()) __builtin_trap();
    if (!ParsesAs(span.attributes, true) || !ParsesAs(span.resource, true) ||
        !ParsesAs(span.events, false)) {
      __builtin_trap();
    }
  }
  (void)traces::NormalizeId(text, 16);
  return 0;
}

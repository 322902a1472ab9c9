// Fuzz target: W3C `traceparent` and `tracestate` headers, which arrive from any caller.
// What parses must print back to something that parses to the same thing; a version-00
// traceparent prints back byte for byte.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <micro/trace/span_context.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);

  auto parent = micro::trace::ParseTraceParent(text);
  if (parent.ok()) {
    if (!parent->valid()) __builtin_trap();
    std::string printed = micro::trace::FormatTraceParent(*parent);
    if (text.starts_with("00") && printed != text) __builtin_trap();
    auto again = micro::trace::ParseTraceParent(printed);
    if (!again.ok() || again->trace_id != parent->trace_id || again->span_id != parent->span_id ||
        again->flags != parent->flags) {
      __builtin_trap();
    }
  }

  auto state = micro::trace::TraceState::Parse(text);
  if (state.ok()) {
    if (state->members().size() > micro::trace::TraceState::kMaxMembers) __builtin_trap();
    auto again = micro::trace::TraceState::Parse(state->ToString());
    if (!again.ok() || again->ToString() != state->ToString()) __builtin_trap();
  }
  return 0;
}

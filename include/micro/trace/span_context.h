// W3C Trace Context (https://www.w3.org/TR/trace-context/): the ids that tie the spans of
// one request together across processes, and the two headers that carry them —
// `traceparent` ("00-<32 hex trace id>-<16 hex parent span id>-<2 hex flags>") and
// `tracestate` (vendor list-members "key=value,key2=value2").
//
//   auto parent = micro::trace::ParseTraceParent(ctx.trace().traceparent);
//   if (parent.ok() && parent->sampled()) { ... }
//   std::string header = micro::trace::FormatTraceParent(*parent);
//
// Parsing follows the spec's rules for a receiver: version 00 must be exactly 55
// characters of lower-case hex; all-zero ids and version ff are invalid; a higher version
// is read for its first four fields as long as it is at least 55 characters and the
// flags are followed by the end or a '-'. Values are plain data: any thread.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <micro/core/result.h>

namespace micro::trace {

struct TraceId {
  std::array<uint8_t, 16> bytes{};
  bool valid() const;  // not all zero
  std::string Hex() const;
  friend bool operator==(const TraceId&, const TraceId&) = default;
};

struct SpanId {
  std::array<uint8_t, 8> bytes{};
  bool valid() const;  // not all zero
  std::string Hex() const;
  friend bool operator==(const SpanId&, const SpanId&) = default;
};

// Parses 32 / 16 lower-case hex digits; false on anything else (all zero is accepted
// here: it is valid() that says whether an id may be used).
bool TraceIdFromHex(std::string_view hex, TraceId* out);
bool SpanIdFromHex(std::string_view hex, SpanId* out);

inline constexpr uint8_t kSampledFlag = 0x01;

// The part of a span that crosses process boundaries.
struct SpanContext {
  TraceId trace_id;
  SpanId span_id;
  uint8_t flags = 0;
  std::string trace_state;  // the raw, validated `tracestate` header ("" when none)

  bool valid() const { return trace_id.valid() && span_id.valid(); }
  bool sampled() const { return (flags & kSampledFlag) != 0; }
};

// Reads a `traceparent` header. The result has no trace_state.
Result<SpanContext> ParseTraceParent(std::string_view header);
// Writes version 00 with `ctx`'s ids and flags.
std::string FormatTraceParent(const SpanContext& ctx);
// The same into `out`, reusing its storage.
void FormatTraceParent(const SpanContext& ctx, std::string* out);
// Appends an id's lower-case hex (the JSON encoders' way, without a temporary string).
void AppendHex(const TraceId& id, std::string* out);
void AppendHex(const SpanId& id, std::string* out);

// A parsed `tracestate`: at most 32 list-members, unique keys, first = most recent.
class TraceState {
 public:
  using Member = std::pair<std::string, std::string>;
  static constexpr size_t kMaxMembers = 32;

  // Empty list-members (",,") and optional whitespace around members are allowed, as the
  // spec says; a bad key or value, a duplicate key or more than 32 members reject the
  // whole header (a receiver then drops it rather than forwarding part of it).
  static Result<TraceState> Parse(std::string_view header);
  std::string ToString() const;

  // Adds or updates `key` and moves it to the front, as a vendor does when it changes its
  // own entry; drops the last member if the list would exceed 32. INVALID_ARGUMENT for a
  // bad key or value.
  Status Set(std::string_view key, std::string_view value);
  std::string_view Get(std::string_view key) const;  // "" when absent
  void Remove(std::string_view key);
  const std::vector<Member>& members() const { return members_; }
  bool empty() const { return members_.empty(); }

  static bool ValidKey(std::string_view key);
  static bool ValidValue(std::string_view value);

 private:
  std::vector<Member> members_;
};

}  // namespace micro::trace

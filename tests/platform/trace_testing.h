// Spans and OTLP JSON bodies for the trace store tests.
#pragma once

#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <string>

#include "platform/traces/span.h"

namespace micro::platform::traces::testing {

// Deterministic ids: trace n, span n.
inline std::string TraceId(uint64_t n) {
  char buf[33];
  std::snprintf(buf, sizeof(buf), "%016" PRIx64 "%016" PRIx64, uint64_t{0xabcdef}, n);
  return buf;
}
inline std::string SpanId(uint64_t n) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016" PRIx64, n + 1);
  return buf;
}

// A fixed base time (2026-11-01T00:00:00Z) so that tests do not depend on the clock.
constexpr uint64_t kBaseNs = 1793491200ull * 1000 * 1000 * 1000;
constexpr uint64_t kMs = 1000 * 1000;

struct SpanSpec {
  uint64_t trace = 1;
  uint64_t span = 1;
  uint64_t parent = 0;  // 0: root
  std::string service = "frontend";
  std::string name = "GET /";
  int kind = kServer;
  uint64_t start_ms = 0;  // after kBaseNs
  uint64_t duration_ms = 1;
  bool error = false;
};

inline Span MakeSpan(const SpanSpec& s) {
  Span span;
  span.trace_id = TraceId(s.trace);
  span.span_id = SpanId(s.span);
  span.parent_span_id = s.parent == 0 ? "" : SpanId(s.parent);
  span.service = s.service;
  span.name = s.name;
  span.kind = s.kind;
  span.start_ns = kBaseNs + s.start_ms * kMs;
  span.end_ns = span.start_ns + s.duration_ms * kMs;
  span.status_code = s.error ? kStatusError : kStatusUnset;
  if (s.error) span.status_message = "boom";
  span.attributes = R"({"rpc.system":"grpc"})";
  return span;
}

}  // namespace micro::platform::traces::testing

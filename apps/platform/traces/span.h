// The trace store's value types: one stored span, the summary of one trace, a search query
// and the service dependency graph (docs/traces.md). Plain values, copied freely.
//
//   Span s{.trace_id = "4bf9...", .span_id = "00f0...", .service = "order", .name = "Create",
//          .kind = SpanKind::kServer, .start_ns = t0, .end_ns = t0 + 1'000'000};
//   TraceSummary summary;
//   summary.Add(s);   // root, times, counts and services follow the spans added
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace micro::platform::traces {

// OTLP's SpanKind enum (opentelemetry/proto/trace/v1/trace.proto), by value.
enum SpanKind : int {
  kUnspecified = 0,
  kInternal = 1,
  kServer = 2,
  kClient = 3,
  kProducer = 4,
  kConsumer = 5,
};

// OTLP's Status.StatusCode.
enum SpanStatusCode : int { kStatusUnset = 0, kStatusOk = 1, kStatusError = 2 };

struct Span {
  std::string trace_id;        // 32 lower-case hex digits
  std::string span_id;         // 16 lower-case hex digits
  std::string parent_span_id;  // "" for a root span
  std::string service;         // resource attribute service.name
  std::string scope;           // instrumentation scope name
  std::string name;            // the operation
  int kind = kUnspecified;
  uint64_t start_ns = 0;  // unix nanoseconds
  uint64_t end_ns = 0;    // >= start_ns
  int status_code = kStatusUnset;
  std::string status_message;
  // JSON texts, as the API returns them: attributes and resource attributes as one object
  // {"key": value}, events as an array [{"name","time_unix_nano","attributes"}].
  std::string attributes = "{}";
  std::string events = "[]";
  std::string resource = "{}";

  uint64_t duration_ns() const { return end_ns - start_ns; }
  bool error() const { return status_code == kStatusError; }
  // What the span costs a store: its text fields plus a fixed overhead (the size cap's unit).
  size_t ApproxBytes() const;
};

// "server", "client", ... ("unspecified" for values outside the enum).
const char* SpanKindName(int kind);

// One trace as search results show it. Built span by span with Add(); the root is the span
// without a parent, or, until that one arrives, the earliest span.
struct TraceSummary {
  std::string trace_id;
  std::string root_service;
  std::string root_name;
  bool has_root = false;  // the real root arrived (not just the earliest span so far)
  uint64_t start_ns = 0;
  uint64_t end_ns = 0;
  size_t span_count = 0;
  size_t error_count = 0;
  std::vector<std::string> services;  // sorted, unique

  uint64_t duration_ns() const { return end_ns - start_ns; }
  void Add(const Span& span);
};

// A search: traces with at least one span matching every filter that is set (as Jaeger
// searches), most recent trace first.
struct TraceQuery {
  std::string service;    // span's service, exact
  std::string operation;  // span's name, exact
  uint64_t min_duration_ns = 0;
  bool errors_only = false;
  uint64_t start_from_ns = 0;  // span starts at or after (0: unbounded)
  uint64_t start_to_ns = 0;    // span starts before (0: unbounded)
  size_t limit = 20;

  bool Matches(const Span& span) const;
};

// caller -> callee, from every span whose parent span belongs to another service.
struct DependencyEdge {
  std::string caller;
  std::string callee;
  uint64_t calls = 0;
  uint64_t errors = 0;
  uint64_t p50_ns = 0;
  uint64_t p99_ns = 0;
  double error_rate() const { return calls == 0 ? 0 : static_cast<double>(errors) / calls; }
};

struct DependencyGraph {
  std::vector<std::string> services;  // every service seen in the spans, sorted
  std::vector<DependencyEdge> edges;  // sorted by (caller, callee)
};

// A service and the operations (span names) it reported.
struct ServiceOperations {
  std::string service;
  std::vector<std::string> operations;  // sorted
};

}  // namespace micro::platform::traces

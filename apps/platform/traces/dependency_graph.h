// The service dependency graph, derived from spans: a span whose parent span belongs to
// another service is one call caller -> callee (parent's service -> span's service). That
// covers a client span with its server child across services, a server span whose parent is
// in another service, and producer -> consumer. Per edge: calls, errors (the callee's span
// failed, or the caller's client span did), p50 and p99 latency (the caller's client span
// when there is one: what the caller waited; otherwise the callee's span).
//
//   DependencyGraphBuilder graph;
//   for (const auto& trace : traces) graph.AddTrace(trace, from_ns, to_ns);
//   DependencyGraph g = graph.Build();
//
// Not thread-safe; one builder per request.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "platform/traces/span.h"

namespace micro::platform::traces {

class DependencyGraphBuilder {
 public:
  // Every span of one trace; calls are counted for the spans starting in [from_ns, to_ns)
  // (0: unbounded), their parents may start anywhere.
  void AddTrace(const std::vector<Span>& spans, uint64_t from_ns = 0, uint64_t to_ns = 0);
  // One parent/child pair (a store that joins them itself); ignored within one service.
  void AddCall(const Span& parent, const Span& child);
  void AddService(const std::string& service) { services_.insert(service); }
  DependencyGraph Build() const;

 private:
  struct Calls {
    uint64_t errors = 0;
    std::vector<uint64_t> latencies_ns;
  };
  std::set<std::string> services_;
  std::map<std::pair<std::string, std::string>, Calls> edges_;
};

}  // namespace micro::platform::traces

#include "platform/traces/dependency_graph.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace micro::platform::traces {

namespace {

bool InWindow(uint64_t t, uint64_t from_ns, uint64_t to_ns) {
  return (from_ns == 0 || t >= from_ns) && (to_ns == 0 || t < to_ns);
}

// Nearest-rank percentile of sorted values.
uint64_t Percentile(const std::vector<uint64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  auto rank = static_cast<size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

}  // namespace

void DependencyGraphBuilder::AddTrace(const std::vector<Span>& spans, uint64_t from_ns,
                                      uint64_t to_ns) {
  std::unordered_map<std::string_view, const Span*> by_id;
  by_id.reserve(spans.size());
  for (const auto& s : spans) by_id.emplace(s.span_id, &s);
  for (const auto& s : spans) {
    if (!InWindow(s.start_ns, from_ns, to_ns)) continue;
    services_.insert(s.service);
    if (s.parent_span_id.empty()) continue;
    auto parent = by_id.find(s.parent_span_id);
    if (parent != by_id.end()) AddCall(*parent->second, s);
  }
}

void DependencyGraphBuilder::AddCall(const Span& parent, const Span& child) {
  if (parent.service == child.service) return;
  services_.insert(parent.service);
  services_.insert(child.service);
  bool caller_waited = parent.kind == kClient;
  auto& calls = edges_[{parent.service, child.service}];
  calls.latencies_ns.push_back(caller_waited ? parent.duration_ns() : child.duration_ns());
  if (child.error() || (caller_waited && parent.error())) ++calls.errors;
}

DependencyGraph DependencyGraphBuilder::Build() const {
  DependencyGraph g;
  g.services.assign(services_.begin(), services_.end());
  for (const auto& [key, calls] : edges_) {
    std::vector<uint64_t> sorted = calls.latencies_ns;
    std::sort(sorted.begin(), sorted.end());
    g.edges.push_back({.caller = key.first,
                       .callee = key.second,
                       .calls = sorted.size(),
                       .errors = calls.errors,
                       .p50_ns = Percentile(sorted, 0.50),
                       .p99_ns = Percentile(sorted, 0.99)});
  }
  return g;
}

}  // namespace micro::platform::traces

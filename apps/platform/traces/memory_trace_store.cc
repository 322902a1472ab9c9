#include "platform/traces/memory_trace_store.h"

#include <algorithm>

#include "platform/traces/dependency_graph.h"

namespace micro::platform::traces {

namespace {
constexpr size_t kMaxOperationsPerService = 1000;
}  // namespace

MemoryTraceStore::MemoryTraceStore(MemoryTraceStoreOptions options)
    : options_([&] {
        // A trace may never outgrow the whole store, or appending it would evict itself.
        options.max_traces = std::max<size_t>(options.max_traces, 1);
        options.max_spans = std::max<size_t>(options.max_spans, 1);
        options.max_spans_per_trace =
            std::clamp<size_t>(options.max_spans_per_trace, 1, options.max_spans);
        return options;
      }()) {}

Result<AppendResult> MemoryTraceStore::Append(std::vector<Span> spans) {
  std::lock_guard lock(mu_);
  return AppendLocked(std::move(spans), nullptr);
}

Result<AppendResult> MemoryTraceStore::AppendIf(std::vector<Span> spans,
                                                const std::set<std::string>& admit) {
  std::lock_guard lock(mu_);
  return AppendLocked(std::move(spans), &admit);
}

bool MemoryTraceStore::Contains(const std::string& trace_id) {
  std::lock_guard lock(mu_);
  return traces_.count(trace_id) != 0;
}

Result<AppendResult> MemoryTraceStore::AppendLocked(std::vector<Span> spans,
                                                    const std::set<std::string>* admit) {
  AppendResult result;
  for (auto& span : spans) {
    auto it = traces_.find(span.trace_id);
    if (it == traces_.end()) {
      if (admit != nullptr && admit->count(span.trace_id) == 0) continue;
      it = traces_.emplace(span.trace_id, Trace{}).first;
      it->second.seq = next_seq_++;
      order_.emplace(it->second.seq, span.trace_id);
      result.new_traces.push_back(span.trace_id);
    }
    Trace& trace = it->second;
    if (trace.span_ids.count(span.span_id) != 0) {
      ++result.duplicates;
      continue;
    }
    if (trace.spans.size() >= options_.max_spans_per_trace) {
      ++result.dropped;
      ++dropped_spans_;
      continue;
    }
    trace.span_ids.insert(span.span_id);
    trace.summary.Add(span);
    size_t bytes = span.ApproxBytes();
    trace.bytes += bytes;
    bytes_ += bytes;
    ++spans_;
    // Span names with ids in them ("GET /users/123") must not grow this without bound.
    if (auto& names = operations_[span.service]; names.size() < kMaxOperationsPerService) {
      names.insert(span.name);
    }
    trace.spans.push_back(std::move(span));
    ++result.stored;
  }
  EvictLocked();
  return result;
}

void MemoryTraceStore::EvictLocked() {
  while (!order_.empty() && (traces_.size() > options_.max_traces || spans_ > options_.max_spans)) {
    auto oldest = order_.begin();
    auto it = traces_.find(oldest->second);
    spans_ -= it->second.spans.size();
    bytes_ -= it->second.bytes;
    traces_.erase(it);
    order_.erase(oldest);
    ++evicted_traces_;
  }
}

Result<std::vector<Span>> MemoryTraceStore::GetTrace(const std::string& trace_id) {
  std::vector<Span> spans;
  {
    std::lock_guard lock(mu_);
    auto it = traces_.find(trace_id);
    if (it == traces_.end()) return Status::NotFound("trace " + trace_id + " not found");
    spans = it->second.spans;
  }
  std::stable_sort(spans.begin(), spans.end(),
                   [](const Span& a, const Span& b) { return a.start_ns < b.start_ns; });
  return spans;
}

Result<std::vector<TraceSummary>> MemoryTraceStore::Search(const TraceQuery& query) {
  std::vector<TraceSummary> found;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, trace] : traces_) {
      if (std::any_of(trace.spans.begin(), trace.spans.end(),
                      [&](const Span& s) { return query.Matches(s); })) {
        found.push_back(trace.summary);
      }
    }
  }
  std::sort(found.begin(), found.end(), [](const TraceSummary& a, const TraceSummary& b) {
    return a.start_ns != b.start_ns ? a.start_ns > b.start_ns : a.trace_id < b.trace_id;
  });
  if (found.size() > query.limit) found.resize(query.limit);
  return found;
}

Result<DependencyGraph> MemoryTraceStore::Dependencies(uint64_t from_ns, uint64_t to_ns) {
  DependencyGraphBuilder builder;
  std::lock_guard lock(mu_);
  for (const auto& [id, trace] : traces_) builder.AddTrace(trace.spans, from_ns, to_ns);
  return builder.Build();
}

Result<std::vector<ServiceOperations>> MemoryTraceStore::Services() {
  std::lock_guard lock(mu_);
  std::vector<ServiceOperations> out;
  for (const auto& [service, names] : operations_) {
    out.push_back({service, std::vector<std::string>(names.begin(), names.end())});
  }
  return out;
}

TraceStoreStats MemoryTraceStore::Stats() {
  std::lock_guard lock(mu_);
  return {.traces = traces_.size(),
          .spans = spans_,
          .bytes = bytes_,
          .evicted_traces = evicted_traces_,
          .dropped_spans = dropped_spans_};
}

std::unique_ptr<TraceStore> NewMemoryTraceStore(MemoryTraceStoreOptions options) {
  return std::make_unique<MemoryTraceStore>(options);
}

}  // namespace micro::platform::traces

// MemoryTraceStore: the most recent traces in memory (trace_store.h). Declared here, not
// only through NewMemoryTraceStore, for the tiered store, which decides per trace what
// memory holds. Thread-safe (one mutex; searches scan every trace held).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "platform/traces/trace_store.h"

namespace micro::platform::traces {

class MemoryTraceStore : public TraceStore {
 public:
  explicit MemoryTraceStore(MemoryTraceStoreOptions options);

  // Appends only the spans of traces held already or named in `admit`.
  Result<AppendResult> AppendIf(std::vector<Span> spans, const std::set<std::string>& admit);
  bool Contains(const std::string& trace_id);

  // TraceStore
  Result<AppendResult> Append(std::vector<Span> spans) override;
  Result<std::vector<Span>> GetTrace(const std::string& trace_id) override;
  Result<std::vector<TraceSummary>> Search(const TraceQuery& query) override;
  Result<DependencyGraph> Dependencies(uint64_t from_ns, uint64_t to_ns) override;
  Result<std::vector<ServiceOperations>> Services() override;
  TraceStoreStats Stats() override;

 private:
  struct Trace {
    uint64_t seq = 0;  // arrival order of its first span: eviction order
    TraceSummary summary;
    std::vector<Span> spans;
    std::unordered_set<std::string> span_ids;
    size_t bytes = 0;
  };
  Result<AppendResult> AppendLocked(std::vector<Span> spans, const std::set<std::string>* admit);
  void EvictLocked();

  const MemoryTraceStoreOptions options_;
  std::mutex mu_;
  uint64_t next_seq_ = 1;
  std::unordered_map<std::string, Trace> traces_;
  std::map<uint64_t, std::string> order_;  // seq -> trace id, oldest first
  std::map<std::string, std::set<std::string>> operations_;
  uint64_t spans_ = 0;
  uint64_t bytes_ = 0;
  uint64_t evicted_traces_ = 0;
  uint64_t dropped_spans_ = 0;
};

}  // namespace micro::platform::traces

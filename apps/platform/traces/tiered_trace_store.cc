// Memory in front of a durable store (trace_store.h, docs/traces.md "Design").
//
// Every span is written through to the durable store first, so that an accepted export
// survives a restart. Memory holds only traces it has seen from their first span on: a trace
// that the durable store created in this Append, or that memory holds already. A trace
// continued after a restart or after memory evicted it is read from the durable store
// alone, so a read from memory is never a partial copy. Searches and the dependency graph
// read the durable store, which holds everything memory holds and more.
#include <set>

#include "platform/traces/memory_trace_store.h"
#include "platform/traces/trace_store.h"

namespace micro::platform::traces {

namespace {

class TieredTraceStore : public TraceStore {
 public:
  TieredTraceStore(MemoryTraceStoreOptions memory, std::unique_ptr<TraceStore> durable)
      : memory_(memory), durable_(std::move(durable)) {}

  // TraceStore
  Result<AppendResult> Append(std::vector<Span> spans) override {
    auto result = durable_->Append(spans);
    if (!result.ok()) return result;
    std::set<std::string> created(result->new_traces.begin(), result->new_traces.end());
    (void)memory_.AppendIf(std::move(spans), created);
    return result;
  }

  Result<std::vector<Span>> GetTrace(const std::string& trace_id) override {
    auto spans = memory_.GetTrace(trace_id);
    if (spans.ok()) return spans;
    return durable_->GetTrace(trace_id);
  }

  Result<std::vector<TraceSummary>> Search(const TraceQuery& query) override {
    return durable_->Search(query);
  }
  Result<DependencyGraph> Dependencies(uint64_t from_ns, uint64_t to_ns) override {
    return durable_->Dependencies(from_ns, to_ns);
  }
  Result<std::vector<ServiceOperations>> Services() override { return durable_->Services(); }
  TraceStoreStats Stats() override { return durable_->Stats(); }

 private:
  MemoryTraceStore memory_;
  std::unique_ptr<TraceStore> durable_;
};

}  // namespace

std::unique_ptr<TraceStore> NewTieredTraceStore(MemoryTraceStoreOptions memory,
                                                std::unique_ptr<TraceStore> durable) {
  return std::make_unique<TieredTraceStore>(memory, std::move(durable));
}

}  // namespace micro::platform::traces

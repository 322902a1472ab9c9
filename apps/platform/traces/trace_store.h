// TraceStore: where `micro platform` keeps the spans its OTLP receiver accepts, and what the
// trace API (trace_api.h) reads. Three implementations:
//
//   NewMemoryTraceStore   the most recent traces, bounded by trace and span counts;
//   OpenSqliteTraceStore  a SQLite file (WAL) bounded by span count and bytes;
//   NewTieredTraceStore   memory in front of SQLite: writes go to both, a trace still in
//                         memory is read from there, searches and the graph read SQLite.
//
//   auto store = OpenSqliteTraceStore({.path = dir + "/traces.db"});
//   if (!store.ok()) return store.status();
//   (*store)->Append(std::move(spans));
//   auto trace = (*store)->GetTrace("4bf92f3577b34da6a3ce929d0e0e4736");
//
// Every store evicts whole traces, oldest first (in the order their first span arrived), so a
// trace is never shown half-evicted. Thread-safe. Calls may block on disk: never call them
// from an io thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <micro/core/result.h>

#include "platform/traces/span.h"

namespace micro::platform::traces {

struct TraceStoreStats {
  uint64_t traces = 0;
  uint64_t spans = 0;
  uint64_t bytes = 0;           // Span::ApproxBytes of the spans held
  uint64_t evicted_traces = 0;  // since the store was opened
  uint64_t dropped_spans = 0;   // over the per-trace limit, since the store was opened
};

struct AppendResult {
  size_t stored = 0;
  size_t duplicates = 0;
  size_t dropped = 0;                   // over the per-trace limit
  std::vector<std::string> new_traces;  // ids of traces this call created
};

class TraceStore {
 public:
  virtual ~TraceStore() = default;

  // Stores spans of any number of traces. A span already stored (same trace and span id,
  // as an exporter's retry sends it) is ignored.
  virtual Result<AppendResult> Append(std::vector<Span> spans) = 0;
  // Every span of one trace, by start time; NOT_FOUND when none.
  virtual Result<std::vector<Span>> GetTrace(const std::string& trace_id) = 0;
  // Traces with a span matching `query`, most recent first, at most query.limit.
  virtual Result<std::vector<TraceSummary>> Search(const TraceQuery& query) = 0;
  // The dependency graph of the spans that start in [from_ns, to_ns) (0: unbounded).
  virtual Result<DependencyGraph> Dependencies(uint64_t from_ns, uint64_t to_ns) = 0;
  // Every service with the operations it reported.
  virtual Result<std::vector<ServiceOperations>> Services() = 0;
  virtual TraceStoreStats Stats() = 0;
};

struct MemoryTraceStoreOptions {
  size_t max_traces = 10000;
  size_t max_spans = 200000;
  // Spans of one trace beyond this are dropped (a runaway trace must not evict all others).
  size_t max_spans_per_trace = 10000;
};

std::unique_ptr<TraceStore> NewMemoryTraceStore(MemoryTraceStoreOptions options = {});

struct SqliteTraceStoreOptions {
  std::string path;  // the database file, created when missing (its directory must exist)
  uint64_t max_spans = 2000000;
  uint64_t max_bytes = 1ull << 30;  // counted as Span::ApproxBytes, not the file's size
  size_t max_spans_per_trace = 10000;
};

// Opens (creating when missing) the database; UNAVAILABLE when the file cannot be opened or
// is not a trace database. Caps smaller than what the file holds evict at once.
Result<std::unique_ptr<TraceStore>> OpenSqliteTraceStore(SqliteTraceStoreOptions options);

// Memory for recent traces in front of a durable store (design: docs/traces.md).
std::unique_ptr<TraceStore> NewTieredTraceStore(MemoryTraceStoreOptions memory,
                                                std::unique_ptr<TraceStore> durable);

}  // namespace micro::platform::traces

// The service dependency graph on a synthetic A -> B -> C trace set: edges, call counts,
// error rate and p99, the same from memory and from SQLite.
#include <filesystem>

#include <gtest/gtest.h>

#include "platform/traces/dependency_graph.h"
#include "platform/traces/trace_store.h"
#include "support/process.h"
#include "trace_testing.h"

namespace micro::platform::traces {
namespace {

using testing::kMs;
using testing::MakeSpan;

// 100 traces of A -> B -> C, each hop a client span with the callee's server span as child:
//   a-root(A, server) -> a-call(A, client, i ms) -> b(B, server) -> b-call(B, client) -> c(C)
// Trace i (1..100): A's client span to B takes i ms; every 10th call from B to C fails.
std::vector<Span> AbcTraces() {
  std::vector<Span> spans;
  for (uint64_t i = 1; i <= 100; ++i) {
    uint64_t base = i * 10;
    uint64_t t0 = i * 1000;
    bool c_fails = i % 10 == 0;
    spans.push_back(MakeSpan({.trace = i,
                              .span = base,
                              .service = "A",
                              .name = "GET /",
                              .start_ms = t0,
                              .duration_ms = i + 2}));
    spans.push_back(MakeSpan({.trace = i,
                              .span = base + 1,
                              .parent = base,
                              .service = "A",
                              .name = "B/Call",
                              .kind = kClient,
                              .start_ms = t0 + 1,
                              .duration_ms = i}));
    spans.push_back(MakeSpan({.trace = i,
                              .span = base + 2,
                              .parent = base + 1,
                              .service = "B",
                              .name = "B/Call",
                              .kind = kServer,
                              .start_ms = t0 + 1,
                              .duration_ms = i > 1 ? i - 1 : 1}));
    spans.push_back(MakeSpan({.trace = i,
                              .span = base + 3,
                              .parent = base + 2,
                              .service = "B",
                              .name = "C/Call",
                              .kind = kClient,
                              .start_ms = t0 + 1,
                              .duration_ms = 1,
                              .error = c_fails}));
    spans.push_back(MakeSpan({.trace = i,
                              .span = base + 4,
                              .parent = base + 3,
                              .service = "C",
                              .name = "C/Call",
                              .kind = kServer,
                              .start_ms = t0 + 1,
                              .duration_ms = 1,
                              .error = c_fails}));
  }
  return spans;
}

void ExpectAbcGraph(const DependencyGraph& g) {
  EXPECT_EQ(g.services, (std::vector<std::string>{"A", "B", "C"}));
  ASSERT_EQ(g.edges.size(), 2u);
  const DependencyEdge& ab = g.edges[0];
  EXPECT_EQ(ab.caller, "A");
  EXPECT_EQ(ab.callee, "B");
  EXPECT_EQ(ab.calls, 100u);
  EXPECT_EQ(ab.errors, 0u);
  EXPECT_EQ(ab.error_rate(), 0.0);
  // The caller's client span is the latency: 1..100 ms; nearest rank p99 = 99 ms, p50 = 50.
  EXPECT_EQ(ab.p99_ns, 99 * kMs);
  EXPECT_EQ(ab.p50_ns, 50 * kMs);
  const DependencyEdge& bc = g.edges[1];
  EXPECT_EQ(bc.caller, "B");
  EXPECT_EQ(bc.callee, "C");
  EXPECT_EQ(bc.calls, 100u);
  EXPECT_EQ(bc.errors, 10u);
  EXPECT_DOUBLE_EQ(bc.error_rate(), 0.1);
  EXPECT_EQ(bc.p99_ns, 1 * kMs);
}

TEST(DependencyGraph, AbcFromTheBuilder) {
  auto spans = AbcTraces();
  std::map<std::string, std::vector<Span>> traces;
  for (const auto& s : spans) traces[s.trace_id].push_back(s);
  DependencyGraphBuilder builder;
  for (const auto& [id, trace] : traces) builder.AddTrace(trace);
  ExpectAbcGraph(builder.Build());
}

TEST(DependencyGraph, AbcFromMemoryAndSqliteStores) {
  std::string dir = micro::testing::TempDir();
  auto db = OpenSqliteTraceStore({.path = dir + "/traces.db"});
  ASSERT_TRUE(db.ok()) << db.status();
  auto memory = NewMemoryTraceStore();
  for (TraceStore* store : {memory.get(), db->get()}) {
    ASSERT_TRUE(store->Append(AbcTraces()).ok());
    auto g = store->Dependencies(0, 0);
    ASSERT_TRUE(g.ok()) << g.status();
    ExpectAbcGraph(*g);
  }
  db->reset();
  std::filesystem::remove_all(dir);
}

TEST(DependencyGraph, ServerSpanUnderAnotherServicesSpanIsACall) {
  // No client span in A: B's server span is the latency, and its error counts.
  DependencyGraphBuilder builder;
  builder.AddTrace({
      MakeSpan({.trace = 1, .span = 1, .service = "A", .duration_ms = 50}),
      MakeSpan(
          {.trace = 1, .span = 2, .parent = 1, .service = "B", .duration_ms = 20, .error = true}),
      // Within one service: no edge.
      MakeSpan({.trace = 1, .span = 3, .parent = 2, .service = "B", .kind = kInternal}),
      // An orphan (its parent never arrived): no edge.
      MakeSpan({.trace = 1, .span = 4, .parent = 77, .service = "D"}),
  });
  auto g = builder.Build();
  EXPECT_EQ(g.services, (std::vector<std::string>{"A", "B", "D"}));
  ASSERT_EQ(g.edges.size(), 1u);
  EXPECT_EQ(g.edges[0].caller, "A");
  EXPECT_EQ(g.edges[0].callee, "B");
  EXPECT_EQ(g.edges[0].p99_ns, 20 * kMs);
  EXPECT_EQ(g.edges[0].errors, 1u);
}

TEST(DependencyGraph, AFailedClientSpanIsAnErrorEvenWhenTheServerSpanIsNot) {
  // A timed out waiting for B; B finished fine, too late.
  DependencyGraphBuilder builder;
  builder.AddTrace({
      MakeSpan({.trace = 1,
                .span = 1,
                .service = "A",
                .kind = kClient,
                .duration_ms = 100,
                .error = true}),
      MakeSpan({.trace = 1, .span = 2, .parent = 1, .service = "B", .duration_ms = 150}),
  });
  auto g = builder.Build();
  ASSERT_EQ(g.edges.size(), 1u);
  EXPECT_EQ(g.edges[0].errors, 1u);
  EXPECT_EQ(g.edges[0].p99_ns, 100 * kMs) << "the caller's wait, not the callee's work";
}

}  // namespace
}  // namespace micro::platform::traces

// The trace stores as the trace API uses them: every store answers the same searches the
// same way; memory evicts oldest traces past its caps; SQLite keeps traces across a reopen,
// enforces its span and byte caps, and the tiered store never serves a partial trace.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "platform/traces/trace_store.h"
#include "support/process.h"
#include "trace_testing.h"

namespace micro::platform::traces {
namespace {

using testing::kBaseNs;
using testing::kMs;
using testing::MakeSpan;
using testing::SpanId;
using testing::SpanSpec;
using testing::TraceId;

std::vector<std::string> Ids(const std::vector<TraceSummary>& found) {
  std::vector<std::string> ids;
  for (const auto& t : found) ids.push_back(t.trace_id);
  return ids;
}

// Each store kind, fresh, in its own temp dir.
class AnyStore : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    dir_ = micro::testing::TempDir();
    if (GetParam() == "memory") {
      store_ = NewMemoryTraceStore();
      return;
    }
    auto db = OpenSqliteTraceStore({.path = dir_ + "/traces.db"});
    ASSERT_TRUE(db.ok()) << db.status();
    store_ = GetParam() == "sqlite" ? std::move(*db) : NewTieredTraceStore({}, std::move(*db));
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Trace 1: frontend (root, 100ms) -> order (60ms, error); trace 2: frontend (10ms) ->
  // catalog (5ms); trace 3: catalog alone, 300ms, later than the others.
  void AddFixture() {
    std::vector<Span> spans = {
        MakeSpan(
            {.trace = 1, .span = 1, .name = "GET /checkout", .start_ms = 0, .duration_ms = 100}),
        MakeSpan({.trace = 1,
                  .span = 2,
                  .parent = 1,
                  .service = "order",
                  .name = "Create",
                  .start_ms = 10,
                  .duration_ms = 60,
                  .error = true}),
        MakeSpan(
            {.trace = 2, .span = 3, .name = "GET /items", .start_ms = 1000, .duration_ms = 10}),
        MakeSpan({.trace = 2,
                  .span = 4,
                  .parent = 3,
                  .service = "catalog",
                  .name = "List",
                  .start_ms = 1001,
                  .duration_ms = 5}),
        MakeSpan({.trace = 3,
                  .span = 5,
                  .service = "catalog",
                  .name = "Reindex",
                  .start_ms = 2000,
                  .duration_ms = 300}),
    };
    auto r = store_->Append(std::move(spans));
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->stored, 5u);
    EXPECT_EQ(r->new_traces.size(), 3u);
  }

  std::vector<std::string> Search(TraceQuery q) {
    auto found = store_->Search(q);
    EXPECT_TRUE(found.ok()) << found.status();
    return found.ok() ? Ids(*found) : std::vector<std::string>{};
  }

  std::string dir_;
  std::unique_ptr<TraceStore> store_;
};

TEST_P(AnyStore, GetTraceReturnsEverySpanInStartOrder) {
  ASSERT_NO_FATAL_FAILURE(AddFixture());
  auto trace = store_->GetTrace(TraceId(1));
  ASSERT_TRUE(trace.ok()) << trace.status();
  ASSERT_EQ(trace->size(), 2u);
  EXPECT_EQ((*trace)[0].name, "GET /checkout");
  EXPECT_EQ((*trace)[0].parent_span_id, "");
  EXPECT_EQ((*trace)[1].service, "order");
  EXPECT_EQ((*trace)[1].parent_span_id, SpanId(1));
  EXPECT_EQ((*trace)[1].status_code, kStatusError);
  EXPECT_EQ((*trace)[1].status_message, "boom");
  EXPECT_EQ((*trace)[1].duration_ns(), 60 * kMs);
  EXPECT_EQ((*trace)[1].attributes, R"({"rpc.system":"grpc"})");

  auto missing = store_->GetTrace(TraceId(99));
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

TEST_P(AnyStore, ARetriedExportStoresNothingTwice) {
  ASSERT_NO_FATAL_FAILURE(AddFixture());
  auto again = store_->Append({MakeSpan({.trace = 1, .span = 1, .name = "GET /checkout"})});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->stored, 0u);
  EXPECT_EQ(again->duplicates, 1u);
  EXPECT_EQ(store_->GetTrace(TraceId(1))->size(), 2u);
  EXPECT_EQ(store_->Stats().spans, 5u);
}

TEST_P(AnyStore, SearchFiltersEachWork) {
  ASSERT_NO_FATAL_FAILURE(AddFixture());
  // Everything, most recent trace first.
  EXPECT_EQ(Search({}), (std::vector{TraceId(3), TraceId(2), TraceId(1)}));
  EXPECT_EQ(Search({.limit = 2}), (std::vector{TraceId(3), TraceId(2)}));
  // By service: any span of the trace.
  EXPECT_EQ(Search({.service = "catalog"}), (std::vector{TraceId(3), TraceId(2)}));
  EXPECT_EQ(Search({.service = "order"}), (std::vector{TraceId(1)}));
  EXPECT_EQ(Search({.service = "nobody"}), (std::vector<std::string>{}));
  // By operation, alone and with its service.
  EXPECT_EQ(Search({.operation = "List"}), (std::vector{TraceId(2)}));
  EXPECT_EQ(Search({.service = "frontend", .operation = "List"}), (std::vector<std::string>{}));
  // By minimum duration of a span.
  EXPECT_EQ(Search({.min_duration_ns = 50 * kMs}), (std::vector{TraceId(3), TraceId(1)}));
  EXPECT_EQ(Search({.service = "catalog", .min_duration_ns = 50 * kMs}), (std::vector{TraceId(3)}));
  // Errors only.
  EXPECT_EQ(Search({.errors_only = true}), (std::vector{TraceId(1)}));
  EXPECT_EQ(Search({.service = "frontend", .errors_only = true}), (std::vector<std::string>{}));
  // Time range [from, to) on span start.
  EXPECT_EQ(Search({.start_from_ns = kBaseNs + 500 * kMs}), (std::vector{TraceId(3), TraceId(2)}));
  EXPECT_EQ(Search({.start_to_ns = kBaseNs + 1000 * kMs}), (std::vector{TraceId(1)}));
  EXPECT_EQ(Search({.start_from_ns = kBaseNs + 1000 * kMs, .start_to_ns = kBaseNs + 1001 * kMs}),
            (std::vector{TraceId(2)}));

  auto found = store_->Search({.service = "order"});
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 1u);
  const TraceSummary& t = (*found)[0];
  EXPECT_EQ(t.root_service, "frontend");
  EXPECT_EQ(t.root_name, "GET /checkout");
  EXPECT_EQ(t.span_count, 2u);
  EXPECT_EQ(t.error_count, 1u);
  EXPECT_EQ(t.duration_ns(), 100 * kMs);
  EXPECT_EQ(t.services, (std::vector<std::string>{"frontend", "order"}));
}

TEST_P(AnyStore, RootIsTheParentlessSpanEvenWhenItArrivesLast) {
  ASSERT_TRUE(store_
                  ->Append({MakeSpan({.trace = 7,
                                      .span = 2,
                                      .parent = 1,
                                      .service = "order",
                                      .name = "Create",
                                      .start_ms = 5})})
                  .ok());
  ASSERT_TRUE(
      store_->Append({MakeSpan({.trace = 7, .span = 1, .name = "GET /", .start_ms = 6})}).ok());
  auto found = store_->Search({});
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].root_name, "GET /");
  EXPECT_EQ((*found)[0].span_count, 2u);
}

TEST_P(AnyStore, ServicesListTheirOperations) {
  ASSERT_NO_FATAL_FAILURE(AddFixture());
  auto services = store_->Services();
  ASSERT_TRUE(services.ok());
  ASSERT_EQ(services->size(), 3u);
  EXPECT_EQ((*services)[0].service, "catalog");
  EXPECT_EQ((*services)[0].operations, (std::vector<std::string>{"List", "Reindex"}));
  EXPECT_EQ((*services)[2].service, "order");
}

TEST_P(AnyStore, DependenciesComeFromCrossServiceParents) {
  ASSERT_NO_FATAL_FAILURE(AddFixture());
  auto g = store_->Dependencies(0, 0);
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->services, (std::vector<std::string>{"catalog", "frontend", "order"}));
  ASSERT_EQ(g->edges.size(), 2u);
  EXPECT_EQ(g->edges[0].caller, "frontend");
  EXPECT_EQ(g->edges[0].callee, "catalog");
  EXPECT_EQ(g->edges[0].calls, 1u);
  EXPECT_EQ(g->edges[1].callee, "order");
  EXPECT_EQ(g->edges[1].errors, 1u);
  // A window that holds only trace 2's spans.
  auto late = store_->Dependencies(kBaseNs + 1000 * kMs, kBaseNs + 1500 * kMs);
  ASSERT_TRUE(late.ok());
  ASSERT_EQ(late->edges.size(), 1u);
  EXPECT_EQ(late->edges[0].callee, "catalog");
}

INSTANTIATE_TEST_SUITE_P(Stores, AnyStore, ::testing::Values("memory", "sqlite", "tiered"),
                         [](const auto& info) { return info.param; });

TEST(MemoryTraceStore, EvictsOldestTracesPastTheTraceCap) {
  auto store = NewMemoryTraceStore({.max_traces = 3, .max_spans = 100});
  for (uint64_t t = 1; t <= 5; ++t) {
    ASSERT_TRUE(store->Append({MakeSpan({.trace = t, .span = t, .start_ms = t})}).ok());
  }
  EXPECT_EQ(store->Stats().traces, 3u);
  EXPECT_EQ(store->Stats().evicted_traces, 2u);
  EXPECT_FALSE(store->GetTrace(TraceId(1)).ok());
  EXPECT_FALSE(store->GetTrace(TraceId(2)).ok());
  EXPECT_TRUE(store->GetTrace(TraceId(3)).ok());
  EXPECT_TRUE(store->GetTrace(TraceId(5)).ok());
}

TEST(MemoryTraceStore, EvictsWholeTracesPastTheSpanCap) {
  auto store = NewMemoryTraceStore({.max_traces = 100, .max_spans = 10});
  // Trace 1 arrives first, with 4 spans; traces 2..4 with 3 spans each: 13 > 10.
  for (uint64_t t = 1; t <= 4; ++t) {
    std::vector<Span> spans;
    for (uint64_t s = 0; s < (t == 1 ? 4 : 3); ++s) {
      spans.push_back(MakeSpan({.trace = t, .span = t * 10 + s, .parent = s == 0 ? 0 : t * 10}));
    }
    ASSERT_TRUE(store->Append(std::move(spans)).ok());
  }
  auto stats = store->Stats();
  EXPECT_EQ(stats.spans, 9u);
  EXPECT_EQ(stats.traces, 3u);
  EXPECT_FALSE(store->GetTrace(TraceId(1)).ok()) << "the oldest trace goes, whole";
  EXPECT_EQ(store->GetTrace(TraceId(2))->size(), 3u);
}

TEST(MemoryTraceStore, ARunawayTraceIsCutNotEveryoneElse) {
  auto store = NewMemoryTraceStore({.max_traces = 10, .max_spans = 100, .max_spans_per_trace = 5});
  ASSERT_TRUE(store->Append({MakeSpan({.trace = 1, .span = 1})}).ok());
  std::vector<Span> spans;
  for (uint64_t s = 0; s < 8; ++s) spans.push_back(MakeSpan({.trace = 2, .span = 100 + s}));
  auto r = store->Append(std::move(spans));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->stored, 5u);
  EXPECT_EQ(r->dropped, 3u);
  EXPECT_TRUE(store->GetTrace(TraceId(1)).ok());
}

class SqliteTraceStoreTest : public ::testing::Test {
 protected:
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::unique_ptr<TraceStore> Open(SqliteTraceStoreOptions options = {}) {
    options.path = path_;
    auto store = OpenSqliteTraceStore(options);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }
  std::string dir_ = micro::testing::TempDir();
  std::string path_ = dir_ + "/traces.db";
};

TEST_F(SqliteTraceStoreTest, TracesSurviveAReopen) {
  {
    auto store = Open();
    ASSERT_TRUE(store);
    ASSERT_TRUE(store
                    ->Append({MakeSpan({.trace = 1, .span = 1, .name = "GET /a"}),
                              MakeSpan({.trace = 1,
                                        .span = 2,
                                        .parent = 1,
                                        .service = "b",
                                        .name = "Do",
                                        .error = true})})
                    .ok());
  }
  auto store = Open();
  ASSERT_TRUE(store);
  auto trace = store->GetTrace(TraceId(1));
  ASSERT_TRUE(trace.ok()) << trace.status();
  EXPECT_EQ(trace->size(), 2u);
  auto stats = store->Stats();
  EXPECT_EQ(stats.traces, 1u);
  EXPECT_EQ(stats.spans, 2u);
  EXPECT_GT(stats.bytes, 0u);
  auto found = store->Search({.errors_only = true});
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].root_name, "GET /a");
  EXPECT_EQ((*found)[0].services, (std::vector<std::string>{"b", "frontend"}));
  // The file is in WAL mode.
  EXPECT_TRUE(std::filesystem::exists(path_ + "-wal") || std::filesystem::exists(path_));
}

TEST_F(SqliteTraceStoreTest, EnforcesTheSpanCapOldestTraceFirst) {
  auto store = Open({.max_spans = 10});
  ASSERT_TRUE(store);
  for (uint64_t t = 1; t <= 6; ++t) {
    ASSERT_TRUE(
        store
            ->Append({MakeSpan({.trace = t, .span = t * 10, .start_ms = t}),
                      MakeSpan({.trace = t, .span = t * 10 + 1, .parent = t * 10, .start_ms = t})})
            .ok());
  }
  auto stats = store->Stats();
  EXPECT_EQ(stats.spans, 10u);
  EXPECT_EQ(stats.traces, 5u);
  EXPECT_EQ(stats.evicted_traces, 1u);
  EXPECT_FALSE(store->GetTrace(TraceId(1)).ok());
  EXPECT_TRUE(store->GetTrace(TraceId(2)).ok());
  EXPECT_EQ(store->Search({.limit = 100})->size(), 5u);
  store.reset();

  // A smaller cap on reopen applies at once; the totals are read back from the file.
  store = Open({.max_spans = 4});
  ASSERT_TRUE(store);
  EXPECT_EQ(store->Stats().spans, 4u);
  EXPECT_EQ(Ids(*store->Search({.limit = 100})), (std::vector{TraceId(6), TraceId(5)}));
}

TEST_F(SqliteTraceStoreTest, EnforcesTheByteCap) {
  Span big = MakeSpan({.trace = 1, .span = 1});
  big.attributes = R"({"payload":")" + std::string(4000, 'x') + R"("})";
  uint64_t per_span = big.ApproxBytes();
  auto store = Open({.max_bytes = per_span * 3 + 10});
  ASSERT_TRUE(store);
  for (uint64_t t = 1; t <= 5; ++t) {
    Span s = big;
    s.trace_id = TraceId(t);
    ASSERT_TRUE(store->Append({s}).ok());
  }
  auto stats = store->Stats();
  EXPECT_EQ(stats.traces, 3u);
  EXPECT_LE(stats.bytes, per_span * 3 + 10);
  EXPECT_FALSE(store->GetTrace(TraceId(2)).ok());
  EXPECT_TRUE(store->GetTrace(TraceId(3)).ok());
}

TEST_F(SqliteTraceStoreTest, NotATraceDatabaseIsUnavailable) {
  auto bad = OpenSqliteTraceStore({.path = dir_ + "/no/such/dir/traces.db"});
  EXPECT_EQ(bad.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(bad.status().message().find("no/such/dir"), std::string::npos) << bad.status();
  {
    FILE* f = std::fopen(path_.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("this is not a database, just text that is long enough to fill a header.", f);
    std::fclose(f);
  }
  auto garbage = OpenSqliteTraceStore({.path = path_});
  EXPECT_EQ(garbage.status().code(), StatusCode::kUnavailable) << garbage.status();
}

TEST_F(SqliteTraceStoreTest, TieredStoreReadsATraceContinuedAfterARestartWhole) {
  {
    auto db = Open();
    ASSERT_TRUE(db);
    auto store = NewTieredTraceStore({}, std::move(db));
    ASSERT_TRUE(store->Append({MakeSpan({.trace = 1, .span = 1})}).ok());
  }
  auto db = Open();
  ASSERT_TRUE(db);
  auto store = NewTieredTraceStore({}, std::move(db));
  // The trace's second span arrives after the restart: memory never saw its first one.
  ASSERT_TRUE(
      store->Append({MakeSpan({.trace = 1, .span = 2, .parent = 1, .service = "order"})}).ok());
  auto trace = store->GetTrace(TraceId(1));
  ASSERT_TRUE(trace.ok());
  EXPECT_EQ(trace->size(), 2u);
}

}  // namespace
}  // namespace micro::platform::traces

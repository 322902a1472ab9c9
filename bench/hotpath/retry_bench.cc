// ns/op of the retry hot paths, 1 and 2 threads:
//   build/bin/hotpath_bench --benchmark_filter='Retry|Outlier'
// The budget's per-call bookkeeping (RecordRequest, and TryRetry as a failed call would),
// a backoff draw, the retry interceptor around a call that succeeds at once (what every
// call pays when nothing fails), and outlier detection's per-attempt Observe and its
// RouteFilter while nothing is ejected.
#include <memory>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include <micro/core/clock.h>
#include <micro/governance/outlier.h>
#include <micro/governance/retry.h>
#include <micro/governance/retry_budget.h>
#include <micro/governance/retry_interceptor.h>

#include "support/nodes.h"

namespace {

using namespace micro::governance;
using namespace std::chrono_literals;

void BM_RetryBudgetRecordRequest(benchmark::State& state) {
  static RetryBudget budget;
  for (auto _ : state) budget.RecordRequest();
}

void BM_RetryBudgetRecordAndTryRetry(benchmark::State& state) {
  static RetryBudget budget;
  for (auto _ : state) {
    budget.RecordRequest();
    benchmark::DoNotOptimize(budget.TryRetry());
  }
}

void BM_RetryBackoff(benchmark::State& state) {
  RetryPolicy policy;
  RandomFn random = DefaultRandom();
  int retry = 0;
  for (auto _ : state) benchmark::DoNotOptimize(policy.Backoff(1 + (retry++ & 3), random));
}

void Terminal(void*, micro::Context&, micro::client::ClientCall&, micro::client::Done done) {
  done(micro::Status::Ok());
}

void BM_RetryInterceptNoFailure(benchmark::State& state) {
  static auto chain = new std::vector<std::shared_ptr<micro::client::ClientInterceptor>>{
      std::make_shared<RetryInterceptor>()};
  micro::Context ctx;
  micro::client::ClientCall call{.service = "inventory", .method = "/shop.Inventory/Reserve"};
  for (auto _ : state) {
    micro::client::ClientNext(chain, 0, &Terminal, nullptr)(
        ctx, call, [](micro::Status s) { benchmark::DoNotOptimize(s); });
  }
}

void BM_OutlierObserve(benchmark::State& state) {
  static auto* detector = new OutlierDetector();
  static const std::string ids[] = {"n0", "n1", "n2"};
  size_t i = static_cast<size_t>(state.thread_index());
  micro::Status ok;
  for (auto _ : state) detector->Observe("inventory", ids[i++ % 3], ok, 1ms);
}

void BM_OutlierFilterNoneEjected(benchmark::State& state) {
  static auto* detector = [] {
    auto* d = new OutlierDetector();
    d->Observe("inventory", "n0", micro::Status::Ok(), 1ms);
    return d;
  }();
  auto nodes = micro::testing::NodesOf(3);
  for (auto _ : state) {
    micro::selector::NodeSet set(nodes.pointers());
    detector->Filter("inventory", set);
    benchmark::DoNotOptimize(set.size());
  }
}

BENCHMARK(BM_RetryBudgetRecordRequest)->Threads(1)->Threads(2);
BENCHMARK(BM_RetryBudgetRecordAndTryRetry)->Threads(1)->Threads(2);
BENCHMARK(BM_RetryBackoff)->Threads(1)->Threads(2);
BENCHMARK(BM_RetryInterceptNoFailure)->Threads(1)->Threads(2);
BENCHMARK(BM_OutlierObserve)->Threads(1)->Threads(2);
BENCHMARK(BM_OutlierFilterNoneEjected)->Threads(1)->Threads(2);

}  // namespace

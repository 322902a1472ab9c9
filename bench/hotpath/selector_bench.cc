// Selector and route-filter hot paths: ns per pick, with 3 and 16 candidate nodes, from 1
// and 2 threads sharing one selector (as a client's calls do). Load-aware selectors
// (least_request, p2c_ewma) also pay their OnStart/OnDone bookkeeping, as on a real call.
//
//   build/bin/hotpath_bench --benchmark_filter='Selector|RouteFilters'
#include <benchmark/benchmark.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <micro/selector/filters.h>
#include <micro/selector/selector.h>

#include "support/nodes.h"

namespace micro::selector {
namespace {

// One selector and node set per (selector, node count), shared by the benchmark's threads.
struct Fixture {
  std::unique_ptr<Selector> selector;
  testing::TestNodes nodes{{}};
  std::vector<const registry::Node*> view;
};

Fixture& Get(const std::string& name, int n) {
  static std::mutex mu;
  static std::map<std::pair<std::string, int>, std::unique_ptr<Fixture>> fixtures;
  std::lock_guard lock(mu);
  auto& f = fixtures[{name, n}];
  if (!f) {
    f = std::make_unique<Fixture>();
    RegisterBuiltinSelectors();
    f->selector = std::move(*SelectorPlugins().Create(name));
    f->nodes = testing::NodesOf(n);
    for (int i = 0; i < n; ++i) {
      f->nodes.at(static_cast<size_t>(i)).metadata["weight"] = std::to_string(1 + i % 3);
    }
    auto v = f->nodes.view();
    f->view.assign(v.begin(), v.end());
  }
  return *f;
}

void BM_Selector(benchmark::State& state, const std::string& name, bool feedback) {
  Fixture& f = Get(name, static_cast<int>(state.range(0)));
  // Hash keys vary per call, as user ids would.
  std::vector<Context> contexts(64);
  for (size_t i = 0; i < contexts.size(); ++i) {
    contexts[i].metadata().Set("x-micro-hash-key",
                               "user-" + std::to_string(i * 7919 + state.thread_index()));
  }
  Candidates view = f.view;
  size_t i = 0;
  for (auto _ : state) {
    auto n = f.selector->Select(view, contexts[i++ & 63]);
    benchmark::DoNotOptimize(n);
    if (feedback) {
      f.selector->OnStart(**n);
      f.selector->OnDone(**n, Status(), std::chrono::microseconds(500));
    }
  }
}

void BM_RouteFilters(benchmark::State& state) {
  auto nodes = testing::NodesOf(static_cast<int>(state.range(0)));
  for (size_t i = 0; i < nodes.size(); ++i) {
    nodes.at(i).version = i % 4 == 3 ? "v2" : "v1";
    nodes.at(i).metadata["zone"] = i % 2 ? "a" : "b";
  }
  static LaneFilter lane;
  static VersionWeightsFilter versions({.weights = {{"v1", 90}, {"v2", 10}}});
  static LocalityFilter locality({.zone = "a"});
  auto view = nodes.view();
  std::vector<const registry::Node*> all(view.begin(), view.end()), set;
  set.reserve(all.size());
  Context ctx;
  CallTarget target{.service = "greeter", .method = "/greeter.Greeter/Hello"};
  for (auto _ : state) {
    set = all;
    NodeSet ns(set);
    lane.Filter(ctx, target, ns);
    versions.Filter(ctx, target, ns);
    locality.Filter(ctx, target, ns);
    benchmark::DoNotOptimize(set.data());
  }
}

const int kRegistered = [] {
  for (const char* name : {"round_robin", "random", "weighted_round_robin", "least_request",
                           "p2c_ewma", "consistent_hash"}) {
    bool feedback = std::string(name) == "least_request" || std::string(name) == "p2c_ewma";
    benchmark::RegisterBenchmark((std::string("Selector/") + name).c_str(), BM_Selector,
                                 std::string(name), feedback)
        ->Arg(3)
        ->Arg(16)
        ->Threads(1)
        ->Threads(2);
  }
  benchmark::RegisterBenchmark("RouteFilters/lane+version+locality", BM_RouteFilters)
      ->Arg(3)
      ->Arg(16)
      ->Threads(1)
      ->Threads(2);
  return 0;
}();

}  // namespace
}  // namespace micro::selector

// Every selector under two threads, with the candidate set changing between calls: run
// under TSan (MICRO_SANITIZE=thread) this is the data-race check; in any build it checks
// that a pick is always one of the call's candidates and that in-flight accounting
// balances.
#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <micro/selector/filters.h>
#include <micro/selector/selectors.h>

#include "support/nodes.h"

namespace micro::selector {
namespace {

using testing::NodesOf;

class SelectorStress : public ::testing::TestWithParam<std::string> {};

TEST_P(SelectorStress, TwoThreadsChangingCandidates) {
  RegisterBuiltinSelectors();
  auto created = SelectorPlugins().Create(GetParam());
  ASSERT_TRUE(created.ok()) << created.status();
  Selector& sel = **created;
  auto nodes = NodesOf(8);
  for (size_t i = 0; i < nodes.size(); ++i) nodes.at(i).metadata["weight"] = std::to_string(i + 1);
  std::vector<const registry::Node*> all(nodes.view().begin(), nodes.view().end());
  std::vector<const registry::Node*> some(all.begin() + 2, all.end() - 1);
  std::atomic<int> wrong{0};
  auto work = [&](int seed) {
    Context ctx;
    for (int i = 0; i < 20000; ++i) {
      if (i % 3 == 0) ctx.metadata().Set("x-micro-hash-key", "k" + std::to_string(i * 7 + seed));
      const auto& set = (i + seed) % 4 == 0 ? some : all;
      auto n = sel.Select(set, ctx);
      if (!n.ok() || std::find(set.begin(), set.end(), *n) == set.end()) {
        wrong++;
        continue;
      }
      sel.OnStart(**n);
      sel.OnDone(**n, i % 10 == 0 ? Status::Unavailable("x") : Status(),
                 std::chrono::microseconds(100 + (i % 50)));
    }
  };
  std::thread a(work, 0), b(work, 1);
  a.join();
  b.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST_P(SelectorStress, EmptyIsUnavailableAndOneNodeIsPicked) {
  RegisterBuiltinSelectors();
  auto sel = SelectorPlugins().Create(GetParam());
  ASSERT_TRUE(sel.ok()) << sel.status();
  Context ctx;
  ctx.metadata().Set("x-micro-hash-key", "user-1");
  auto none = (*sel)->Select(Candidates(), ctx);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kUnavailable);
  auto one = NodesOf(1);
  for (int i = 0; i < 10; ++i) {
    auto n = (*sel)->Select(one.view(), ctx);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, &one.nodes()[0]);
    (*sel)->OnStart(**n);
    (*sel)->OnDone(**n, Status(), std::chrono::milliseconds(1));
  }
}

INSTANTIATE_TEST_SUITE_P(All, SelectorStress,
                         ::testing::Values("round_robin", "random", "weighted_round_robin",
                                           "least_request", "p2c_ewma", "consistent_hash"));

TEST(SelectorStress, BalancedInFlightLeavesLeastRequestEven) {
  // After many concurrent start/done pairs, every counter must be back at zero: picks of
  // a fresh round are then spread evenly (a leaked count would starve a node).
  auto sel = NewLeastRequest({.seed = 1});
  auto nodes = NodesOf(3);
  Candidates view = nodes.view();
  auto work = [&] {
    Context ctx;
    for (int i = 0; i < 20000; ++i) {
      auto n = sel->Select(view, ctx);
      sel->OnStart(**n);
      sel->OnDone(**n, Status(), std::chrono::microseconds(1));
    }
  };
  std::thread a(work), b(work);
  a.join();
  b.join();
  Context ctx;
  int counts[3] = {};
  for (int i = 0; i < 30; ++i) {
    auto n = sel->Select(view, ctx);
    sel->OnStart(**n);
    counts[nodes.IndexOf(*n)]++;
  }
  EXPECT_EQ(counts[0], 10);
  EXPECT_EQ(counts[1], 10);
  EXPECT_EQ(counts[2], 10);
}

TEST(SelectorStress, FiltersUnderTwoThreads) {
  auto nodes = NodesOf(6);
  for (size_t i = 0; i < 6; ++i) {
    nodes.at(i).version = i < 4 ? "v1" : "v2";
    nodes.at(i).metadata["zone"] = i % 2 ? "a" : "b";
  }
  nodes.at(5).metadata["lane"] = "canary";
  std::vector<const registry::Node*> all(nodes.view().begin(), nodes.view().end());
  LaneFilter lane;
  VersionWeightsFilter versions({.weights = {{"v1", 90}, {"v2", 10}}, .seed = 3});
  LocalityFilter locality({.zone = "a"});
  std::atomic<int> empty{0};
  auto work = [&](bool canary) {
    Context ctx;
    if (canary) ctx.metadata().Set("x-micro-lane", "canary");
    std::vector<const registry::Node*> set;
    for (int i = 0; i < 20000; ++i) {
      set = all;
      NodeSet ns(set);
      for (RouteFilter* f : std::initializer_list<RouteFilter*>{&lane, &versions, &locality}) {
        f->Filter(ctx, {.service = "s", .method = "/s/M"}, ns);
      }
      if (ns.empty()) empty++;
    }
  };
  std::thread a(work, false), b(work, true);
  a.join();
  b.join();
  EXPECT_EQ(empty.load(), 0);
}

}  // namespace
}  // namespace micro::selector

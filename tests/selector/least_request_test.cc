// least_request: fewest calls in flight wins, ties split at random, power-of-two sampling
// on large sets.
#include <map>
#include <string>

#include <gtest/gtest.h>

#include <micro/selector/selectors.h>

#include "support/nodes.h"

namespace micro::selector {
namespace {

using testing::NodesOf;

TEST(LeastRequest, PrefersTheIdleNode) {
  auto sel = NewLeastRequest({.seed = 7});
  auto nodes = NodesOf(3);
  sel->OnStart(nodes.nodes()[0]);
  sel->OnStart(nodes.nodes()[1]);
  sel->OnStart(nodes.nodes()[1]);
  Context ctx;
  for (int i = 0; i < 100; ++i) EXPECT_EQ(nodes.IndexOf(*sel->Select(nodes.view(), ctx)), 2u);
  // Once n0 finishes, n0 and n2 tie at zero and share the picks.
  sel->OnDone(nodes.nodes()[0], Status(), std::chrono::milliseconds(1));
  std::map<size_t, int> counts;
  for (int i = 0; i < 2000; ++i) counts[nodes.IndexOf(*sel->Select(nodes.view(), ctx))]++;
  EXPECT_EQ(counts[1], 0);
  EXPECT_NEAR(counts[0], 1000, 200);
  EXPECT_NEAR(counts[2], 1000, 200);
}

TEST(LeastRequest, CallsInFlightSpreadEvenly) {
  auto sel = NewLeastRequest({.seed = 3});
  auto nodes = NodesOf(3);
  Context ctx;
  std::map<size_t, int> counts;
  for (int i = 0; i < 30; ++i) {  // 30 calls started, none finished
    auto n = sel->Select(nodes.view(), ctx);
    sel->OnStart(**n);
    counts[nodes.IndexOf(*n)]++;
  }
  EXPECT_EQ(counts[0], 10);
  EXPECT_EQ(counts[1], 10);
  EXPECT_EQ(counts[2], 10);
}

TEST(LeastRequest, TiesAreBrokenAtRandom) {
  auto sel = NewLeastRequest({.seed = 11});
  auto nodes = NodesOf(3);
  Context ctx;
  std::map<size_t, int> counts;
  for (int i = 0; i < 30000; ++i) counts[nodes.IndexOf(*sel->Select(nodes.view(), ctx))]++;
  for (const auto& [i, c] : counts) EXPECT_NEAR(c, 10000, 600) << i;
}

TEST(LeastRequest, PowerOfTwoChoicesOnManyNodes) {
  // 16 nodes, node i has i calls in flight. With two distinct samples node i wins with
  // probability 2(15-i)/240: the busiest node never, the idlest one time in eight.
  auto sel = NewLeastRequest({.seed = 5});
  auto nodes = NodesOf(16);
  for (size_t i = 0; i < 16; ++i) {
    for (size_t k = 0; k < i; ++k) sel->OnStart(nodes.nodes()[i]);
  }
  Context ctx;
  std::map<size_t, int> counts;
  const int kPicks = 48000;
  for (int i = 0; i < kPicks; ++i) counts[nodes.IndexOf(*sel->Select(nodes.view(), ctx))]++;
  EXPECT_EQ(counts[15], 0);
  EXPECT_NEAR(counts[0], kPicks * 30 / 240, 400);  // binomial sigma ~72
  EXPECT_NEAR(counts[7], kPicks * 16 / 240, 400);
  EXPECT_NEAR(counts[14], kPicks * 2 / 240, 150);
}

TEST(LeastRequest, UrlOptions) {
  RegisterBuiltinSelectors();
  EXPECT_TRUE(SelectorPlugins().Create("least_request://?choices=3&full_scan_max=8").ok());
  auto bad = SelectorPlugins().Create("least_request://?choices=1");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("choices"), std::string::npos) << bad.status();
}

}  // namespace
}  // namespace micro::selector

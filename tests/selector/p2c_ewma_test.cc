// p2c_ewma under a ManualClock: calls are simulated one after another, time moves only
// when the test says so, so every run sees the same arithmetic.
#include <functional>
#include <map>
#include <string>

#include <gtest/gtest.h>

#include <micro/core/clock.h>
#include <micro/selector/selectors.h>

#include "support/nodes.h"

namespace micro::selector {
namespace {

using std::chrono::milliseconds;
using testing::NodesOf;
using testing::TestNodes;

struct Reply {
  milliseconds latency;
  Status status;
};

// Runs `calls` sequential calls, `gap` apart; node i answers reply(i). Returns picks per node.
std::map<size_t, int> Drive(Selector& sel, TestNodes& nodes, ManualClock& clock, int calls,
                            milliseconds gap, const std::function<Reply(size_t)>& reply) {
  std::map<size_t, int> counts;
  Context ctx;
  Candidates view = nodes.view();
  for (int i = 0; i < calls; ++i) {
    auto n = sel.Select(view, ctx);
    EXPECT_TRUE(n.ok());
    size_t idx = nodes.IndexOf(*n);
    counts[idx]++;
    sel.OnStart(**n);
    Reply r = reply(idx);
    clock.Advance(gap);
    sel.OnDone(**n, r.status, r.latency);
  }
  return counts;
}

TEST(P2cEwma, ShiftsAwayFromASlowNodeAndRecoversAfterDecay) {
  ManualClock clock;
  auto sel = NewP2cEwma({.tau = std::chrono::seconds(10), .seed = 42}, clock);
  auto nodes = NodesOf(3);
  bool slow = true;
  auto reply = [&](size_t i) {
    return Reply{(i == 2 && slow) ? milliseconds(50) : milliseconds(1), Status()};
  };
  Drive(*sel, nodes, clock, 100, milliseconds(10), reply);  // warm up: every node seen
  auto counts = Drive(*sel, nodes, clock, 3000, milliseconds(10), reply);
  EXPECT_LT(counts[2], 300) << "slow node got " << counts[2] << " of 3000";

  // n2 becomes fast. Its average, untouched since it was last picked, decays (tau 10 s)
  // until it undercuts the others (~40 s for 50 ms -> 1 ms); the probe then sees 1 ms.
  slow = false;
  Drive(*sel, nodes, clock, 6000, milliseconds(10), reply);  // 60 s
  counts = Drive(*sel, nodes, clock, 3000, milliseconds(10), reply);
  EXPECT_GT(counts[2], 750) << "recovered node got " << counts[2] << " of 3000";
  EXPECT_LT(counts[2], 1250);
}

TEST(P2cEwma, EqualNodesShareEvenly) {
  ManualClock clock;
  auto sel = NewP2cEwma({.seed = 9}, clock);
  auto nodes = NodesOf(3);
  auto counts = Drive(*sel, nodes, clock, 30000, milliseconds(1), [](size_t) {
    return Reply{milliseconds(5), Status()};
  });
  for (const auto& [i, c] : counts) EXPECT_NEAR(c, 10000, 1500) << i;
}

TEST(P2cEwma, FailingNodeIsAvoidedEvenWhenItFailsFast) {
  ManualClock clock;
  auto sel = NewP2cEwma({.seed = 4}, clock);
  auto nodes = NodesOf(3);
  auto reply = [](size_t i) {
    if (i == 0) return Reply{milliseconds(0), Status::Unavailable("down")};
    return Reply{milliseconds(2), Status()};
  };
  Drive(*sel, nodes, clock, 100, milliseconds(10), reply);
  auto counts = Drive(*sel, nodes, clock, 3000, milliseconds(10), reply);
  EXPECT_LT(counts[0], 300);
}

TEST(P2cEwma, ApplicationErrorsAreNotPenalized) {
  ManualClock clock;
  auto sel = NewP2cEwma({.seed = 4}, clock);
  auto nodes = NodesOf(2);
  auto reply = [](size_t i) {
    if (i == 0) return Reply{milliseconds(1), Status::NotFound("no such user")};
    return Reply{milliseconds(1), Status()};
  };
  auto counts = Drive(*sel, nodes, clock, 2000, milliseconds(10), reply);
  EXPECT_NEAR(counts[0], 1000, 200);
}

TEST(P2cEwma, NewNodeIsProbedButNotFlooded) {
  ManualClock clock;
  auto sel = NewP2cEwma({.seed = 8}, clock);
  auto nodes = NodesOf(4);
  std::vector<const registry::Node*> old = {&nodes.nodes()[0], &nodes.nodes()[1],
                                            &nodes.nodes()[2]};
  Context ctx;
  for (int i = 0; i < 300; ++i) {
    auto n = sel->Select(old, ctx);
    sel->OnStart(**n);
    clock.Advance(milliseconds(10));
    sel->OnDone(**n, Status(), milliseconds(3));
  }
  // n3 joins: never observed and idle, it costs 0 and wins the first time it is sampled.
  const registry::Node* picked = nullptr;
  for (int i = 0; i < 50 && picked != &nodes.nodes()[3]; ++i) {
    picked = *sel->Select(nodes.view(), ctx);
  }
  ASSERT_EQ(picked, &nodes.nodes()[3]);
  // While that first call is in flight, n3 is not picked again.
  sel->OnStart(nodes.nodes()[3]);
  for (int i = 0; i < 200; ++i) EXPECT_NE(*sel->Select(nodes.view(), ctx), &nodes.nodes()[3]);
  sel->OnDone(nodes.nodes()[3], Status(), milliseconds(3));
}

TEST(P2cEwma, CallsInFlightRaiseTheCost) {
  ManualClock clock;
  auto sel = NewP2cEwma({.seed = 2}, clock);
  auto nodes = NodesOf(2);
  Drive(*sel, nodes, clock, 100, milliseconds(10), [](size_t) {
    return Reply{milliseconds(5), Status()};
  });
  for (int k = 0; k < 3; ++k) sel->OnStart(nodes.nodes()[0]);
  Context ctx;
  for (int i = 0; i < 100; ++i) EXPECT_EQ(*sel->Select(nodes.view(), ctx), &nodes.nodes()[1]);
}

TEST(P2cEwma, UrlOptions) {
  RegisterBuiltinSelectors();
  EXPECT_TRUE(SelectorPlugins().Create("p2c_ewma://?tau_ms=5000&error_penalty_ms=100").ok());
  auto bad = SelectorPlugins().Create("p2c_ewma://?tau=10s");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("tau_ms"), std::string::npos) << bad.status();
}

}  // namespace
}  // namespace micro::selector

// weighted_round_robin: nginx's smooth sequence, exact shares, weights read from node
// metadata, and per-node state that survives changes of the candidate set.
#include <map>
#include <string>

#include <gtest/gtest.h>

#include <micro/selector/selectors.h>

#include "support/nodes.h"

namespace micro::selector {
namespace {

using testing::NodesOf;
using testing::TestNodes;

TestNodes Weighted(std::initializer_list<const char*> weights) {
  auto nodes = NodesOf(static_cast<int>(weights.size()));
  size_t i = 0;
  for (const char* w : weights) {
    if (w != nullptr) nodes.at(i).metadata["weight"] = w;
    ++i;
  }
  return nodes;
}

std::string Picks(Selector& sel, TestNodes& nodes, int count) {
  std::string out;
  Context ctx;
  Candidates view = nodes.view();
  for (int i = 0; i < count; ++i) {
    auto n = sel.Select(view, ctx);
    EXPECT_TRUE(n.ok());
    out += static_cast<char>('a' + nodes.IndexOf(*n));
  }
  return out;
}

TEST(WeightedRoundRobin, NginxSmoothSequenceFor511) {
  auto sel = NewWeightedRoundRobin();
  auto nodes = Weighted({"5", "1", "1"});
  EXPECT_EQ(Picks(*sel, nodes, 21),
            "aabacaa"
            "aabacaa"
            "aabacaa");
}

TEST(WeightedRoundRobin, ExactSharesOverWholePeriods) {
  auto sel = NewWeightedRoundRobin();
  auto nodes = Weighted({"3", "2", "1", "10"});
  std::map<char, int> counts;
  for (char c : Picks(*sel, nodes, 16 * 1000)) counts[c]++;
  EXPECT_EQ(counts['a'], 3000);
  EXPECT_EQ(counts['b'], 2000);
  EXPECT_EQ(counts['c'], 1000);
  EXPECT_EQ(counts['d'], 10000);
}

TEST(WeightedRoundRobin, MissingOrBadWeightCountsAsOne) {
  auto sel = NewWeightedRoundRobin();
  auto nodes = Weighted({nullptr, "abc", "-3", "0", "2x", "1"});
  std::map<char, int> counts;
  for (char c : Picks(*sel, nodes, 600)) counts[c]++;
  for (char c = 'a'; c <= 'f'; ++c) EXPECT_EQ(counts[c], 100) << c;
}

TEST(WeightedRoundRobin, InterleavedCandidateSetsEachKeepTheirRotation) {
  // A route filter may hand the selector one subset, then another, on consecutive calls:
  // each subset must still see its own smooth sequence.
  auto sel = NewWeightedRoundRobin();
  auto nodes = Weighted({"5", "1", "1", "2", "1"});
  std::vector<const registry::Node*> first = {&nodes.nodes()[0], &nodes.nodes()[1],
                                              &nodes.nodes()[2]};
  std::vector<const registry::Node*> second = {&nodes.nodes()[3], &nodes.nodes()[4]};
  std::string seq_first, seq_second;
  Context ctx;
  for (int i = 0; i < 14; ++i) {
    seq_first += static_cast<char>('a' + nodes.IndexOf(*sel->Select(first, ctx)));
    seq_second += static_cast<char>('a' + nodes.IndexOf(*sel->Select(second, ctx)));
  }
  EXPECT_EQ(seq_first,
            "aabacaa"
            "aabacaa");
  EXPECT_EQ(seq_second,
            "ded"
            "ded"
            "ded"
            "ded"
            "de");  // weights 2,1
}

TEST(WeightedRoundRobin, NodeJoiningGetsItsShare) {
  auto sel = NewWeightedRoundRobin();
  auto nodes = Weighted({"1", "1", "2"});
  std::vector<const registry::Node*> two = {&nodes.nodes()[0], &nodes.nodes()[1]};
  Context ctx;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(sel->Select(two, ctx).ok());
  std::map<char, int> counts;
  for (char c : Picks(*sel, nodes, 400)) counts[c]++;
  // The old nodes carry a little credit from before the join: off by at most one pick.
  EXPECT_NEAR(counts['a'], 100, 1);
  EXPECT_NEAR(counts['b'], 100, 1);
  EXPECT_NEAR(counts['c'], 200, 1);
}

TEST(WeightedRoundRobin, ChurnOfOtherNodesKeepsALiveSetsRotation) {
  // Thousands of short-lived node ids (deploys) pass through the selector between picks
  // of one stable set: the forgotten ids are pruned, the stable set keeps its sequence.
  auto sel = NewWeightedRoundRobin();
  auto stable = Weighted({"5", "1", "1"});
  Candidates stable_view = stable.view();
  std::string seq;
  Context ctx;
  for (int round = 0; round < 3000; ++round) {
    auto churn = NodesOf(2);
    churn.at(0).id = "gone-" + std::to_string(2 * round);
    churn.at(1).id = "gone-" + std::to_string(2 * round + 1);
    ASSERT_TRUE(sel->Select(churn.view(), ctx).ok());
    seq += static_cast<char>('a' + stable.IndexOf(*sel->Select(stable_view, ctx)));
  }
  std::string expected;
  while (expected.size() < seq.size()) expected += "aabacaa";
  expected.resize(seq.size());
  EXPECT_EQ(seq, expected);
}

TEST(WeightedRoundRobin, CreatedByNameAndRejectsUnknownOptions) {
  RegisterBuiltinSelectors();
  auto sel = SelectorPlugins().Create("weighted_round_robin");
  ASSERT_TRUE(sel.ok()) << sel.status();
  auto nodes = Weighted({"5", "1", "1"});
  EXPECT_EQ(Picks(**sel, nodes, 7), "aabacaa");
  auto bad = SelectorPlugins().Create("weighted_round_robin://?wieght=3");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("wieght"), std::string::npos) << bad.status();
}

}  // namespace
}  // namespace micro::selector

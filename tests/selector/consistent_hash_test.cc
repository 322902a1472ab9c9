// consistent_hash: stable mapping, even spread, minimal remapping on join and leave.
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <micro/selector/selectors.h>

#include "support/nodes.h"

namespace micro::selector {
namespace {

using testing::NodesOf;

constexpr int kKeys = 10000;
constexpr int kNodes = 10;

// Key -> chosen node id, for keys "user-0".."user-{kKeys-1}".
std::vector<std::string> Map(Selector& sel, Candidates nodes,
                             const std::string& key = "x-micro-hash-key") {
  std::vector<std::string> out;
  out.reserve(kKeys);
  for (int k = 0; k < kKeys; ++k) {
    Context ctx;
    ctx.metadata().Set(key, "user-" + std::to_string(k));
    auto n = sel.Select(nodes, ctx);
    EXPECT_TRUE(n.ok());
    out.push_back((*n)->id);
  }
  return out;
}

TEST(ConsistentHash, SameKeySameNodeWhateverTheCandidateOrder) {
  auto sel = NewConsistentHash();
  auto nodes = NodesOf(kNodes);
  auto first = Map(*sel, nodes.view());
  EXPECT_EQ(Map(*sel, nodes.view()), first);
  std::vector<const registry::Node*> reversed(nodes.view().begin(), nodes.view().end());
  std::reverse(reversed.begin(), reversed.end());
  EXPECT_EQ(Map(*sel, reversed), first);
  // A fresh selector (another client process) maps the same way.
  auto other = NewConsistentHash();
  EXPECT_EQ(Map(*other, nodes.view()), first);
}

TEST(ConsistentHash, SpreadsKeysEvenly) {
  auto sel = NewConsistentHash();
  auto nodes = NodesOf(kNodes);
  std::map<std::string, int> counts;
  for (const auto& id : Map(*sel, nodes.view())) counts[id]++;
  ASSERT_EQ(counts.size(), static_cast<size_t>(kNodes));
  for (const auto& [id, c] : counts) {
    EXPECT_GT(c, kKeys / kNodes * 6 / 10) << id;
    EXPECT_LT(c, kKeys / kNodes * 14 / 10) << id;
  }
}

TEST(ConsistentHash, JoinMovesOnlyKeysToTheNewNodeWithinBound) {
  auto sel = NewConsistentHash();
  auto all = NodesOf(kNodes + 1);
  std::vector<const registry::Node*> before(all.view().begin(), all.view().end() - 1);
  auto old_map = Map(*sel, before);
  auto new_map = Map(*sel, all.view());
  int moved = 0;
  for (int k = 0; k < kKeys; ++k) {
    if (old_map[k] == new_map[k]) continue;
    ++moved;
    EXPECT_EQ(new_map[k], all.nodes().back().id) << "key moved between old nodes";
  }
  EXPECT_GT(moved, 0);
  EXPECT_LE(moved, kKeys / kNodes + kKeys * 5 / 100) << moved << " of " << kKeys << " moved";
}

TEST(ConsistentHash, LeaveMovesOnlyTheLeavingNodesKeys) {
  auto sel = NewConsistentHash();
  auto all = NodesOf(kNodes);
  auto old_map = Map(*sel, all.view());
  std::vector<const registry::Node*> after(all.view().begin(), all.view().end());
  after.erase(after.begin() + 3);  // n3 leaves
  auto new_map = Map(*sel, after);
  int moved = 0;
  for (int k = 0; k < kKeys; ++k) {
    if (old_map[k] == new_map[k]) continue;
    ++moved;
    EXPECT_EQ(old_map[k], "n3") << "a key of a staying node moved";
  }
  EXPECT_LE(moved, kKeys / kNodes + kKeys * 5 / 100);
  // And when n3 comes back, its keys come back to it.
  EXPECT_EQ(Map(*sel, all.view()), old_map);
}

TEST(ConsistentHash, AlternatingCandidateSetsStayStable) {
  auto sel = NewConsistentHash();
  auto all = NodesOf(6);
  std::vector<const registry::Node*> a(all.view().begin(), all.view().end());
  std::vector<const registry::Node*> b(a.begin() + 1, a.end());
  Context ctx;
  ctx.metadata().Set("x-micro-hash-key", "user-42");
  auto on_a = (*sel->Select(a, ctx))->id;
  auto on_b = (*sel->Select(b, ctx))->id;
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ((*sel->Select(a, ctx))->id, on_a);
    EXPECT_EQ((*sel->Select(b, ctx))->id, on_b);
  }
}

TEST(ConsistentHash, CallsWithoutTheKeyGoRoundRobin) {
  auto sel = NewConsistentHash();
  auto nodes = NodesOf(3);
  std::map<std::string, int> counts;
  Context ctx;
  for (int i = 0; i < 300; ++i) counts[(*sel->Select(nodes.view(), ctx))->id]++;
  EXPECT_EQ(counts["n0"], 100);
  EXPECT_EQ(counts["n1"], 100);
  EXPECT_EQ(counts["n2"], 100);
}

TEST(ConsistentHash, KeyFromUrl) {
  RegisterBuiltinSelectors();
  auto sel = SelectorPlugins().Create("consistent_hash://?key=X-User-Id&vnodes=200");
  ASSERT_TRUE(sel.ok()) << sel.status();
  auto nodes = NodesOf(5);
  auto first = Map(**sel, nodes.view(), "x-user-id");
  EXPECT_EQ(Map(**sel, nodes.view(), "x-user-id"), first);
  std::map<std::string, int> counts;
  for (const auto& id : first) counts[id]++;
  EXPECT_EQ(counts.size(), 5u);  // hashed, not round-robin by accident of order
  EXPECT_FALSE(SelectorPlugins().Create("consistent_hash://?key=").ok());
  EXPECT_FALSE(SelectorPlugins().Create("consistent_hash://?vnodes=0").ok());
}

}  // namespace
}  // namespace micro::selector

#include <micro/selector/selector.h>

#include <map>
#include <thread>

#include <gtest/gtest.h>

#include "support/nodes.h"

namespace micro::selector {
namespace {

using testing::NodesOf;

std::unique_ptr<Selector> Make(const std::string& name) {
  RegisterBuiltinSelectors();
  auto s = SelectorPlugins().Create(name);
  EXPECT_TRUE(s.ok()) << s.status();
  return std::move(*s);
}

TEST(Selector, BuiltinsAreListed) {
  RegisterBuiltinSelectors();
  auto names = SelectorPlugins().Names();
  EXPECT_NE(std::find(names.begin(), names.end(), "round_robin"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "random"), names.end());
  auto bad = SelectorPlugins().Create("nope");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("random, round_robin"), std::string::npos);
}

TEST(Selector, RoundRobinVisitsEveryNodeInTurn) {
  auto sel = Make("round_robin");
  auto nodes = NodesOf(3);
  Context ctx;
  std::map<std::string, int> counts;
  std::string previous;
  for (int i = 0; i < 300; ++i) {
    auto n = sel->Select(nodes.view(), ctx);
    ASSERT_TRUE(n.ok());
    EXPECT_NE((*n)->id, previous);
    previous = (*n)->id;
    counts[(*n)->id]++;
  }
  EXPECT_EQ(counts["n0"], 100);
  EXPECT_EQ(counts["n1"], 100);
  EXPECT_EQ(counts["n2"], 100);
}

TEST(Selector, RoundRobinIsExactUnderTwoThreads) {
  auto sel = Make("round_robin");
  auto nodes = NodesOf(4);
  Candidates view = nodes.view();
  std::atomic<int> counts[4] = {};
  auto work = [&] {
    Context ctx;
    for (int i = 0; i < 20000; ++i) {
      auto n = sel->Select(view, ctx);
      counts[nodes.IndexOf(*n)]++;
    }
  };
  std::thread a(work), b(work);
  a.join();
  b.join();
  for (auto& c : counts) EXPECT_EQ(c.load(), 10000);
}

TEST(Selector, RandomSpreadsRoughlyEvenly) {
  auto sel = Make("random");
  auto nodes = NodesOf(3);
  Context ctx;
  std::map<std::string, int> counts;
  for (int i = 0; i < 30000; ++i) counts[(*sel->Select(nodes.view(), ctx))->id]++;
  for (const auto& [id, c] : counts) {
    EXPECT_NEAR(c, 10000, 600) << id;  // > 6 sigma for a binomial(30000, 1/3)
  }
}

TEST(Selector, EmptyListIsUnavailable) {
  for (const char* name : {"round_robin", "random"}) {
    auto sel = Make(name);
    auto r = sel->Select(Candidates(), Context());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  }
}

}  // namespace
}  // namespace micro::selector

// Lane, version-weight and locality filters: what each keeps, how each falls back, and
// the three in the documented order.
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <micro/selector/filters.h>

#include "support/nodes.h"

namespace micro::selector {
namespace {

using testing::NodesOf;
using testing::TestNodes;

const CallTarget kTarget{.service = "greeter", .method = "/greeter.Greeter/Hello"};

// The ids left after running `filters` in order on all of `nodes`.
std::set<std::string> Filtered(std::initializer_list<RouteFilter*> filters, TestNodes& nodes,
                               const Context& ctx) {
  std::vector<const registry::Node*> set(nodes.view().begin(), nodes.view().end());
  NodeSet ns(set);
  for (RouteFilter* f : filters) f->Filter(ctx, kTarget, ns);
  std::set<std::string> ids;
  for (const registry::Node* n : ns.view()) ids.insert(n->id);
  return ids;
}

Context WithLane(const std::string& lane) {
  Context ctx;
  ctx.metadata().Set("x-micro-lane", lane);
  return ctx;
}

using Ids = std::set<std::string>;

TEST(LaneFilter, CanaryRequestsGoToTheCanaryLane) {
  auto nodes = NodesOf(4);
  nodes.at(2).metadata["lane"] = "canary";
  nodes.at(3).metadata["lane"] = "";  // an empty label is the base lane
  LaneFilter lane;
  EXPECT_EQ(Filtered({&lane}, nodes, WithLane("canary")), (Ids{"n2"}));
  EXPECT_EQ(Filtered({&lane}, nodes, Context()), (Ids{"n0", "n1", "n3"}));
  EXPECT_EQ(Filtered({&lane}, nodes, WithLane("")), (Ids{"n0", "n1", "n3"}));
}

TEST(LaneFilter, LaneWithoutNodesFallsBackToTheBaseLane) {
  auto nodes = NodesOf(3);
  nodes.at(0).metadata["lane"] = "canary";
  LaneFilter lane;
  EXPECT_EQ(Filtered({&lane}, nodes, WithLane("blue")), (Ids{"n1", "n2"}));
}

TEST(LaneFilter, NoBaseLaneNodesMeansAllNodes) {
  auto nodes = NodesOf(2);
  nodes.at(0).metadata["lane"] = "canary";
  nodes.at(1).metadata["lane"] = "blue";
  LaneFilter lane;
  EXPECT_EQ(Filtered({&lane}, nodes, Context()), (Ids{"n0", "n1"}));
  EXPECT_EQ(Filtered({&lane}, nodes, WithLane("green")), (Ids{"n0", "n1"}));
  EXPECT_EQ(Filtered({&lane}, nodes, WithLane("blue")), (Ids{"n1"}));
}

TEST(LaneFilter, CustomKeys) {
  auto nodes = NodesOf(2);
  nodes.at(1).metadata["env"] = "gray";
  LaneFilter lane({.request_key = "x-env", .node_key = "env"});
  Context ctx;
  ctx.metadata().Set("x-env", "gray");
  EXPECT_EQ(Filtered({&lane}, nodes, ctx), (Ids{"n1"}));
}

TEST(LocalityFilter, PrefersTheClientsZone) {
  auto nodes = NodesOf(4);
  nodes.at(0).metadata["zone"] = "a";
  nodes.at(1).metadata["zone"] = "b";
  nodes.at(2).metadata["zone"] = "a";
  LocalityFilter in_a({.zone = "a"});
  LocalityFilter in_c({.zone = "c"});
  LocalityFilter nowhere({});
  EXPECT_EQ(Filtered({&in_a}, nodes, Context()), (Ids{"n0", "n2"}));
  EXPECT_EQ(Filtered({&in_c}, nodes, Context()), (Ids{"n0", "n1", "n2", "n3"}));
  EXPECT_EQ(Filtered({&nowhere}, nodes, Context()), (Ids{"n0", "n1", "n2", "n3"}));
}

TestNodes Versions(std::initializer_list<const char*> versions) {
  auto nodes = NodesOf(static_cast<int>(versions.size()));
  size_t i = 0;
  for (const char* v : versions) nodes.at(i++).version = v;
  return nodes;
}

TEST(VersionWeightsFilter, SplitsByWeight) {
  auto nodes = Versions({"v1", "v1", "v2", "v1"});
  VersionWeightsFilter filter({.weights = {{"v1", 90}, {"v2", 10}}, .seed = 12345});
  const int kCalls = 20000;
  int v2 = 0;
  for (int i = 0; i < kCalls; ++i) {
    Ids ids = Filtered({&filter}, nodes, Context());
    if (ids == Ids{"n2"}) {
      ++v2;
    } else {
      ASSERT_EQ(ids, (Ids{"n0", "n1", "n3"}));
    }
  }
  // Binomial(20000, 0.1): mean 2000, sigma ~42; 5 sigma.
  EXPECT_NEAR(v2, kCalls / 10, 212);
}

TEST(VersionWeightsFilter, RenormalizesOverVersionsPresent) {
  VersionWeightsFilter filter({.weights = {{"v1", 90}, {"v2", 10}}, .seed = 1});
  auto only_v2 = Versions({"v2", "v2", "v3"});
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(Filtered({&filter}, only_v2, Context()), (Ids{"n0", "n1"}));

  VersionWeightsFilter three({.weights = {{"v1", 50}, {"v2", 25}, {"v3", 25}}, .seed = 2});
  auto v1_v3 = Versions({"v1", "v3"});
  int v3 = 0;
  for (int i = 0; i < 9000; ++i) v3 += Filtered({&three}, v1_v3, Context()) == Ids{"n1"};
  EXPECT_NEAR(v3, 3000, 225);  // 25/(50+25) of the calls; sigma ~45
}

TEST(VersionWeightsFilter, UnlistedVersionsServeOnlyWhenNoListedOneIsPresent) {
  VersionWeightsFilter filter({.weights = {{"v1", 90}, {"v2", 10}}, .seed = 1});
  auto mixed = Versions({"v1", "v3"});
  for (int i = 0; i < 100; ++i) EXPECT_EQ(Filtered({&filter}, mixed, Context()), (Ids{"n0"}));
  auto unlisted = Versions({"v3", "v4"});
  EXPECT_EQ(Filtered({&filter}, unlisted, Context()), (Ids{"n0", "n1"}));
}

TEST(VersionWeightsFilter, ZeroWeightDrainsAVersion) {
  VersionWeightsFilter filter({.weights = {{"v1", 100}, {"v2", 0}}, .seed = 1});
  auto nodes = Versions({"v2", "v3"});
  EXPECT_EQ(Filtered({&filter}, nodes, Context()), (Ids{"n1"}));
  auto only_v2 = Versions({"v2"});
  EXPECT_EQ(Filtered({&filter}, only_v2, Context()), (Ids{"n0"}));  // never empties the set
}

TEST(VersionWeightsFilter, MetadataVersionWhenTheNodeHasNone) {
  auto nodes = NodesOf(2);
  nodes.at(0).metadata["version"] = "v1";
  nodes.at(1).metadata["version"] = "v2";
  VersionWeightsFilter filter({.weights = {{"v2", 1}}, .seed = 1});
  EXPECT_EQ(Filtered({&filter}, nodes, Context()), (Ids{"n1"}));
}

TEST(RouteFilters, LaneThenVersionThenLocality) {
  // n0..n3: v1 in zones a,b,a,b; n4: v2 zone b; n5: v2 canary lane zone a.
  auto nodes = Versions({"v1", "v1", "v1", "v1", "v2", "v2"});
  for (size_t i = 0; i < 6; ++i) nodes.at(i).metadata["zone"] = i % 2 ? "b" : "a";
  nodes.at(5).metadata["lane"] = "canary";
  LaneFilter lane;
  VersionWeightsFilter versions({.weights = {{"v1", 50}, {"v2", 50}}, .seed = 99});
  LocalityFilter locality({.zone = "a"});

  // The canary lane wins over the version weights (v2 is at 50%, but every canary
  // request goes to n5, in zone a).
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(Filtered({&lane, &versions, &locality}, nodes, WithLane("canary")), (Ids{"n5"}));
  }
  // Base-lane requests: half to v1 (then zone a: n0, n2), half to v2 (n4 only: in zone
  // b, locality falls back to it).
  std::map<Ids, int> seen;
  for (int i = 0; i < 2000; ++i) seen[Filtered({&lane, &versions, &locality}, nodes, Context())]++;
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_NEAR(seen[(Ids{"n0", "n2"})], 1000, 160);
  EXPECT_NEAR(seen[(Ids{"n4"})], 1000, 160);
}

TEST(RouteFilters, BuiltinRouteFiltersAddsWhatIsAskedInOrder) {
  EXPECT_EQ(BuiltinRouteFilters({.lanes = false}).size(), 0u);
  auto filters =
      BuiltinRouteFilters({.version_weights = {{"v1", 50}, {"v2", 50}}, .zone = "a", .seed = 99});
  ASSERT_EQ(filters.size(), 3u);
  EXPECT_NE(dynamic_cast<LaneFilter*>(filters[0].get()), nullptr);
  EXPECT_NE(dynamic_cast<VersionWeightsFilter*>(filters[1].get()), nullptr);
  EXPECT_NE(dynamic_cast<LocalityFilter*>(filters[2].get()), nullptr);
  auto nodes = Versions({"v1", "v2"});
  nodes.at(1).metadata["lane"] = "canary";
  EXPECT_EQ(
      Filtered({filters[0].get(), filters[1].get(), filters[2].get()}, nodes, WithLane("canary")),
      (Ids{"n1"}));
}

}  // namespace
}  // namespace micro::selector

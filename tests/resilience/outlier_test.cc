// Outlier detection on a ManualClock: consecutive-failure and latency ejections, the
// growing and capped ejection time, healing, the max-ejection-percent cap, and the
// filter/interceptor pair on a fake client chain.
#include <micro/governance/outlier.h>
#include <micro/governance/outlier_ejection.h>

#include <gtest/gtest.h>

#include <thread>

#include "fake_chain.h"

namespace micro::governance {
namespace {

using namespace std::chrono_literals;
using testing::FakeClient;

const Status kDown = Status::Unavailable("down");

struct Ejections {
  std::mutex mu;
  std::vector<std::string> seen;  // "n0 +30000ms consecutive_failures" / "n0 - expired"
  EjectionListener Listener() {
    return [this](std::string_view, std::string_view node, bool ejected,
                  std::chrono::milliseconds d, std::string_view reason) {
      std::lock_guard lock(mu);
      seen.push_back(std::string(node) +
                     (ejected ? " +" + std::to_string(d.count()) + "ms " : " - ") +
                     std::string(reason));
    };
  }
  std::vector<std::string> get() {
    std::lock_guard lock(mu);
    return seen;
  }
};

OutlierOptions Options() {
  return {.consecutive_failures = 3,
          .latency_factor = 0,
          .interval = 10s,
          .base_ejection_time = 30s,
          .max_ejection_time = 100s,
          .max_ejection_percent = 50};
}

void Fail(OutlierDetector& d, const char* node, int times) {
  for (int i = 0; i < times; ++i) d.Observe("svc", node, kDown, 1ms);
}

// Registers the service's nodes in the detector (as traffic to all of them would).
void Meet(OutlierDetector& d, int nodes) {
  for (int i = 0; i < nodes; ++i) d.Observe("svc", "n" + std::to_string(i), Status::Ok(), 1ms);
}

TEST(OutlierDetector, ConsecutiveFailuresEjectAndASuccessResetsTheCount) {
  ManualClock clock;
  Ejections e;
  OutlierDetector d(OutlierRules(Options()), e.Listener(), clock);
  Meet(d, 4);
  Fail(d, "n0", 2);
  d.Observe("svc", "n0", Status::Ok(), 1ms);
  Fail(d, "n0", 2);
  EXPECT_FALSE(d.IsEjected("svc", "n0"));
  d.Observe("svc", "n0", Status::NotFound("not a failure"), 1ms);
  Fail(d, "n0", 2);
  EXPECT_FALSE(d.IsEjected("svc", "n0"));
  Fail(d, "n0", 1);
  EXPECT_TRUE(d.IsEjected("svc", "n0"));
  EXPECT_EQ(d.EjectedCount("svc"), 1u);
  EXPECT_EQ(e.get(), (std::vector<std::string>{"n0 +30000ms consecutive_failures"}));
}

TEST(OutlierDetector, EjectionTimeGrowsWithEachEjectionUpToTheCap) {
  ManualClock clock;
  Ejections e;
  OutlierDetector d(OutlierRules(Options()), e.Listener(), clock);
  Meet(d, 4);
  for (int round = 1; round <= 5; ++round) {
    Fail(d, "n0", 3);
    ASSERT_TRUE(d.IsEjected("svc", "n0")) << round;
    EXPECT_EQ(d.EjectionMultiplier("svc", "n0"), round);
    auto expected = std::min<std::chrono::milliseconds>(30s * round, 100s);
    clock.Advance(expected - 1ms);
    EXPECT_TRUE(d.IsEjected("svc", "n0")) << round;
    clock.Advance(1ms);
    EXPECT_FALSE(d.IsEjected("svc", "n0")) << round;
  }
  auto seen = e.get();
  ASSERT_GE(seen.size(), 9u);
  EXPECT_EQ(seen[0], "n0 +30000ms consecutive_failures");
  EXPECT_EQ(seen[1], "n0 - expired");
  EXPECT_EQ(seen[2], "n0 +60000ms consecutive_failures");
  EXPECT_EQ(seen[4], "n0 +90000ms consecutive_failures");
  EXPECT_EQ(seen[6], "n0 +100000ms consecutive_failures");
  EXPECT_EQ(seen[8], "n0 +100000ms consecutive_failures");
}

TEST(OutlierDetector, TheMultiplierHealsOneStepPerHealthyInterval) {
  ManualClock clock;
  OutlierDetector d(OutlierRules(Options()), {}, clock);
  Meet(d, 4);
  Fail(d, "n0", 3);
  clock.Advance(30s);
  Fail(d, "n0", 3);
  EXPECT_EQ(d.EjectionMultiplier("svc", "n0"), 2);
  clock.Advance(60s);  // ejection over
  EXPECT_FALSE(d.IsEjected("svc", "n0"));
  // Two healthy intervals, each noticed by a sweep (traffic drives the sweeps).
  for (int i = 0; i < 2; ++i) {
    clock.Advance(10s);
    d.Observe("svc", "n0", Status::Ok(), 1ms);
  }
  EXPECT_EQ(d.EjectionMultiplier("svc", "n0"), 0);
  Fail(d, "n0", 3);
  EXPECT_EQ(d.EjectionMultiplier("svc", "n0"), 1);  // back to the base time
}

TEST(OutlierDetector, NeverEjectsMoreThanMaxEjectionPercent) {
  ManualClock clock;
  OutlierOptions o = Options();
  o.max_ejection_percent = 25;
  OutlierDetector d(OutlierRules(o), {}, clock);
  Meet(d, 8);  // 25% of 8 = 2
  for (const char* n : {"n0", "n1", "n2", "n3"}) Fail(d, n, 3);
  EXPECT_EQ(d.EjectedCount("svc"), 2u);
  EXPECT_TRUE(d.IsEjected("svc", "n0"));
  EXPECT_TRUE(d.IsEjected("svc", "n1"));
  EXPECT_FALSE(d.IsEjected("svc", "n2"));
  // When an ejection ends, room opens for the next outlier.
  clock.Advance(30s);
  Fail(d, "n2", 3);
  EXPECT_TRUE(d.IsEjected("svc", "n2"));
}

TEST(OutlierDetector, AtLeastOneOfTwoNodesMayBeEjectedButNeverALoneOne) {
  ManualClock clock;
  OutlierOptions o = Options();
  o.max_ejection_percent = 10;
  OutlierDetector two(OutlierRules(o), {}, clock);
  Meet(two, 2);
  Fail(two, "n0", 3);
  Fail(two, "n1", 3);
  EXPECT_EQ(two.EjectedCount("svc"), 1u);

  OutlierDetector one(OutlierRules(o), {}, clock);
  Fail(one, "n0", 10);
  EXPECT_EQ(one.EjectedCount("svc"), 0u);
}

TEST(OutlierDetector, LatencyOutliersAreEjectedAtTheIntervalSweep) {
  ManualClock clock;
  Ejections e;
  OutlierOptions o = Options();
  o.latency_factor = 3;
  o.latency_min_requests = 5;
  o.latency_min_hosts = 3;
  OutlierDetector d(OutlierRules(o), e.Listener(), clock);
  auto round = [&](std::chrono::milliseconds slow) {
    for (int i = 0; i < 5; ++i) {
      d.Observe("svc", "n0", Status::Ok(), 10ms);
      d.Observe("svc", "n1", Status::Ok(), 12ms);
      d.Observe("svc", "n2", Status::Ok(), 11ms);
      d.Observe("svc", "n3", Status::Ok(), slow);
    }
  };
  round(30ms);  // 30 ms < 3 x median (11.5 ms): not an outlier
  clock.Advance(10s);
  d.Observe("svc", "n0", Status::Ok(), 10ms);  // the sweep runs
  EXPECT_EQ(d.EjectedCount("svc"), 0u);
  round(40ms);  // 40 ms > 34.5 ms
  clock.Advance(10s);
  d.Observe("svc", "n0", Status::Ok(), 10ms);
  EXPECT_TRUE(d.IsEjected("svc", "n3"));
  EXPECT_EQ(d.EjectedCount("svc"), 1u);
  EXPECT_EQ(e.get(), (std::vector<std::string>{"n3 +30000ms latency"}));
}

TEST(OutlierDetector, NoLatencyVerdictWithTooFewPeers) {
  ManualClock clock;
  OutlierOptions o = Options();
  o.latency_factor = 2;
  o.latency_min_requests = 5;
  o.latency_min_hosts = 3;
  OutlierDetector d(OutlierRules(o), {}, clock);
  for (int i = 0; i < 10; ++i) {
    d.Observe("svc", "n0", Status::Ok(), 10ms);
    d.Observe("svc", "n1", Status::Ok(), 500ms);
    if (i < 4) d.Observe("svc", "n2", Status::Ok(), 10ms);  // too few samples to count
  }
  clock.Advance(10s);
  d.Observe("svc", "n0", Status::Ok(), 10ms);
  EXPECT_EQ(d.EjectedCount("svc"), 0u);
}

TEST(OutlierDetector, ValidateNamesTheBadField) {
  EXPECT_TRUE(OutlierOptions{}.Validate().ok());
  auto message = [](OutlierOptions o) { return o.Validate().message(); };
  EXPECT_NE(message({.consecutive_failures = -1}).find("consecutive_failures"), std::string::npos);
  EXPECT_NE(message({.latency_factor = 0.5}).find("latency_factor"), std::string::npos);
  EXPECT_NE(message({.base_ejection_time = 10s, .max_ejection_time = 1s}).find("max_ejection_time"),
            std::string::npos);
  EXPECT_NE(message({.max_ejection_percent = 101}).find("max_ejection_percent"), std::string::npos);
}

TEST(OutlierEjection, EjectedNodesLeaveTheCandidatesAndComeBack) {
  ManualClock clock;
  std::atomic<bool> n1_down{true};
  FakeClient client(4, [&](const registry::Node& node, int) {
    return node.id == "n1" && n1_down ? kDown : Status::Ok();
  });
  auto detector =
      std::make_shared<OutlierDetector>(OutlierRules(Options()), EjectionListener{}, clock);
  auto ejection = std::make_shared<OutlierEjection>(detector, clock);
  client.attempts.push_back(ejection);
  client.filters.push_back(ejection);
  Context ctx;
  for (int i = 0; i < 12; ++i) (void)client.Call(ctx, {});  // n1 fails 3 times
  ASSERT_TRUE(detector->IsEjected("svc", "n1"));
  size_t before = client.sent_count();
  for (int i = 0; i < 30; ++i) EXPECT_TRUE(client.Call(ctx, {}).ok());
  auto sent = client.sent();
  EXPECT_EQ(std::count(sent.begin() + static_cast<ptrdiff_t>(before), sent.end(), "n1"), 0);
  n1_down = false;
  clock.Advance(30s);
  before = client.sent_count();
  for (int i = 0; i < 8; ++i) EXPECT_TRUE(client.Call(ctx, {}).ok());
  sent = client.sent();
  EXPECT_EQ(std::count(sent.begin() + static_cast<ptrdiff_t>(before), sent.end(), "n1"), 2);
}

TEST(OutlierEjection, FilterCapsExclusionsToTheCandidateSet) {
  ManualClock clock;
  OutlierOptions o = Options();
  o.max_ejection_percent = 100;
  OutlierDetector d(OutlierRules(o), {}, clock);
  Meet(d, 4);
  for (const char* n : {"n0", "n1", "n2", "n3"}) Fail(d, n, 3);
  EXPECT_EQ(d.EjectedCount("svc"), 4u);
  // Every candidate is ejected: the filter never empties the set.
  auto nodes = testing::NodesOf(4);
  selector::NodeSet set(nodes.pointers());
  d.Filter("svc", set);
  EXPECT_EQ(set.size(), 4u);
  // A narrower candidate set (another filter ran first) with a 50% cap keeps half.
  o.max_ejection_percent = 50;
  OutlierDetector half(OutlierRules(o), {}, clock);
  Meet(half, 4);
  Fail(half, "n0", 3);
  Fail(half, "n1", 3);
  auto two = testing::NodesOf(2);
  selector::NodeSet pair(two.pointers());
  half.Filter("svc", pair);
  EXPECT_EQ(pair.size(), 1u);
}

// Two threads observe and filter one service concurrently (TSan).
TEST(OutlierDetector, TwoThreadsObserveAndFilter) {
  ManualClock clock;
  OutlierOptions o = Options();
  o.latency_factor = 2;
  o.latency_min_requests = 5;
  OutlierDetector d(
      OutlierRules(o), [](auto, auto, auto, auto, auto) {}, clock);
  auto worker = [&](int seed) {
    auto nodes = testing::NodesOf(5);
    for (int i = 0; i < 20000; ++i) {
      if (seed == 0 && i % 500 == 0) clock.Advance(5s);
      std::string id = "n" + std::to_string((i + seed) % 5);
      d.Observe("svc", id, (i % 7 == 0) ? kDown : Status::Ok(),
                std::chrono::milliseconds(id == "n4" ? 50 : 5));
      selector::NodeSet set(nodes.pointers());
      d.Filter("svc", set);
      ASSERT_GE(set.size(), 3u);
    }
  };
  std::thread a(worker, 0), b(worker, 1);
  a.join();
  b.join();
}

}  // namespace
}  // namespace micro::governance

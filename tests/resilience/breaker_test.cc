// Circuit breakers: the Hystrix state machine and the SRE throttle's arithmetic on a
// ManualClock, and the method and endpoint breaker interceptors on a fake client chain.
#include <micro/governance/breaker.h>
#include <micro/governance/endpoint_breaker.h>
#include <micro/governance/hystrix_breaker.h>
#include <micro/governance/method_breaker.h>
#include <micro/governance/sre_breaker.h>

#include <gtest/gtest.h>

#include <thread>

#include "fake_chain.h"

namespace micro::governance {
namespace {

using namespace std::chrono_literals;
using testing::FakeClient;

struct Transitions {
  std::mutex mu;
  std::vector<std::string> seen;  // "name: from->to"
  BreakerListener Listener() {
    return [this](std::string_view name, BreakerState from, BreakerState to) {
      std::lock_guard lock(mu);
      seen.push_back(std::string(name) + ": " + std::string(BreakerStateName(from)) + "->" +
                     std::string(BreakerStateName(to)));
    };
  }
  std::vector<std::string> get() {
    std::lock_guard lock(mu);
    return seen;
  }
};

void Call(CircuitBreaker& b, bool success) {
  Permit p = b.Allow();
  ASSERT_TRUE(p);
  b.Record(p, success, 1ms);
}

// Feeds an outcome to a throttle whatever its current rejection rate.
void Feed(CircuitBreaker& b, bool success) { b.Record(Permit{.allowed = true}, success, 1ms); }

HystrixOptions Small() {
  return {.window = 10s,
          .buckets = 10,
          .request_volume_threshold = 10,
          .error_threshold_percent = 50,
          .sleep_window = 5s,
          .half_open_probes = 2};
}

TEST(HystrixBreaker, ClosedOpenHalfOpenClosed) {
  ManualClock clock;
  Transitions t;
  HystrixBreaker b(Small(), "b", t.Listener(), clock);
  // Below the volume threshold nothing trips, even at 100% errors.
  for (int i = 0; i < 9; ++i) Call(b, false);
  EXPECT_EQ(b.state(), BreakerState::kClosed);
  // The 10th call reaches the volume; 10/10 failed.
  Call(b, false);
  EXPECT_EQ(b.state(), BreakerState::kOpen);
  EXPECT_FALSE(b.Allow());
  EXPECT_FALSE(b.Accepting());

  clock.Advance(5s - 1ms);
  EXPECT_FALSE(b.Allow());
  clock.Advance(1ms);
  EXPECT_TRUE(b.Accepting());
  // Half-open: exactly two probes go through.
  Permit p1 = b.Allow();
  Permit p2 = b.Allow();
  ASSERT_TRUE(p1 && p2);
  EXPECT_TRUE(p1.probe && p2.probe);
  EXPECT_EQ(b.state(), BreakerState::kHalfOpen);
  EXPECT_FALSE(b.Allow());
  b.Record(p1, true, 1ms);
  EXPECT_EQ(b.state(), BreakerState::kHalfOpen);
  b.Record(p2, true, 1ms);
  EXPECT_EQ(b.state(), BreakerState::kClosed);
  // Statistics start afresh: 9 failures do not trip it.
  for (int i = 0; i < 9; ++i) Call(b, false);
  EXPECT_EQ(b.state(), BreakerState::kClosed);
  EXPECT_EQ(t.get(), (std::vector<std::string>{"b: closed->open", "b: open->half_open",
                                               "b: half_open->closed"}));
}

TEST(HystrixBreaker, AFailedProbeOpensItAgainForANewSleepWindow) {
  ManualClock clock;
  Transitions t;
  HystrixBreaker b(Small(), "b", t.Listener(), clock);
  for (int i = 0; i < 10; ++i) Call(b, false);
  clock.Advance(5s);
  Permit probe = b.Allow();
  ASSERT_TRUE(probe);
  b.Record(probe, false, 1ms);
  EXPECT_EQ(b.state(), BreakerState::kOpen);
  clock.Advance(4s);
  EXPECT_FALSE(b.Allow());  // the sleep window restarted at the failed probe
  clock.Advance(1s);
  EXPECT_TRUE(b.Allow());
  EXPECT_EQ(t.get(), (std::vector<std::string>{"b: closed->open", "b: open->half_open",
                                               "b: half_open->open", "b: open->half_open"}));
}

TEST(HystrixBreaker, TripsOnTheErrorPercentageOverTheRollingWindow) {
  ManualClock clock;
  HystrixBreaker b(Small(), "b", {}, clock);
  // 6 successes and 4 failures: 40% < 50%.
  for (int i = 0; i < 6; ++i) Call(b, true);
  for (int i = 0; i < 4; ++i) Call(b, false);
  EXPECT_EQ(b.state(), BreakerState::kClosed);
  // The successes age out of the 10 s window; then 4 failures of 5 calls in the window...
  clock.Advance(10s);
  for (int i = 0; i < 4; ++i) Call(b, false);
  Call(b, true);
  EXPECT_EQ(b.state(), BreakerState::kClosed);  // ...are below the volume threshold,
  for (int i = 0; i < 4; ++i) Call(b, true);
  Call(b, false);  // 5 of 10 = 50%: open.
  EXPECT_EQ(b.state(), BreakerState::kOpen);
}

TEST(HystrixBreaker, IgnoresResultsOfCallsAdmittedInAnotherState) {
  ManualClock clock;
  HystrixBreaker b(Small(), "b", {}, clock);
  Permit slow = b.Allow();  // admitted while closed
  for (int i = 0; i < 10; ++i) Call(b, false);
  clock.Advance(5s);
  Permit probe = b.Allow();
  ASSERT_TRUE(probe);
  b.Record(slow, false, 1ms);  // a stale failure does not reopen the breaker
  EXPECT_EQ(b.state(), BreakerState::kHalfOpen);
  b.Release(probe);  // the probe was never sent: its slot is free again
  Permit p1 = b.Allow(), p2 = b.Allow();
  EXPECT_TRUE(p1 && p2);
  EXPECT_FALSE(b.Allow());
}

TEST(HystrixBreaker, ProbesThatNeverReportDoNotWedgeItHalfOpen) {
  ManualClock clock;
  HystrixBreaker b(Small(), "b", {}, clock);
  for (int i = 0; i < 10; ++i) Call(b, false);
  clock.Advance(5s);
  ASSERT_TRUE(b.Allow());
  ASSERT_TRUE(b.Allow());
  EXPECT_FALSE(b.Allow());
  clock.Advance(5s);
  EXPECT_TRUE(b.Allow());
}

TEST(BreakerOptions, ValidateNamesTheBadField) {
  EXPECT_TRUE(BreakerOptions{}.Validate().ok());
  BreakerOptions o;
  o.hystrix.sleep_window = 0ms;
  EXPECT_EQ(o.Validate().message(), "hystrix.sleep_window must be positive");
  o = {};
  o.kind = BreakerKind::kSre;
  o.sre.k = 0.5;
  EXPECT_NE(o.Validate().message().find("sre.k"), std::string::npos);
  o = {};
  o.hystrix.error_threshold_percent = 120;
  EXPECT_NE(o.Validate().message().find("hystrix.error_threshold_percent"), std::string::npos);
  o = {};
  o.failure_codes = {};
  EXPECT_NE(o.Validate().message().find("failure_codes"), std::string::npos);
}

TEST(SreThrottle, RejectProbabilityFollowsTheFormula) {
  EXPECT_DOUBLE_EQ(SreThrottle::RejectProbability(100, 100, 2), 0);
  EXPECT_DOUBLE_EQ(SreThrottle::RejectProbability(100, 50, 2), 0);
  EXPECT_DOUBLE_EQ(SreThrottle::RejectProbability(100, 40, 2), 20.0 / 101);
  EXPECT_DOUBLE_EQ(SreThrottle::RejectProbability(100, 0, 2), 100.0 / 101);
  EXPECT_DOUBLE_EQ(SreThrottle::RejectProbability(100, 40, 1.5), 40.0 / 101);
  EXPECT_DOUBLE_EQ(SreThrottle::RejectProbability(9, 0, 2, /*min_requests=*/10), 0);
  EXPECT_DOUBLE_EQ(SreThrottle::RejectProbability(10, 0, 2, /*min_requests=*/10), 10.0 / 11);
}

TEST(SreThrottle, RejectsTheShareTheFormulaGivesAndRecovers) {
  ManualClock clock;
  Transitions t;
  SreThrottle b({.window = 10s, .buckets = 10, .k = 2, .min_requests = 10}, "s", t.Listener(),
                clock, SeededRandom(3));
  // 60 requests, 20 accepted: p = (60 - 40) / 61.
  for (int i = 0; i < 20; ++i) Feed(b, true);
  EXPECT_EQ(b.state(), BreakerState::kClosed);
  for (int i = 0; i < 40; ++i) Feed(b, false);
  EXPECT_NEAR(b.reject_probability(), 20.0 / 61, 1e-12);
  EXPECT_EQ(b.state(), BreakerState::kOpen);
  // While the backend keeps failing, admitted calls fail and rejected ones count as
  // requests too: the rejection rate climbs towards 1.
  int rejected = 0;
  for (int i = 0; i < 1000; ++i) {
    Permit p = b.Allow();
    if (!p) {
      ++rejected;
      continue;
    }
    b.Record(p, false, 1ms);
  }
  EXPECT_GT(rejected, 850);
  EXPECT_GT(b.reject_probability(), 0.9);
  // The window rolls over: no history, no throttling.
  clock.Advance(10s);
  EXPECT_EQ(b.reject_probability(), 0);
  EXPECT_TRUE(b.Allow());
  EXPECT_EQ(b.state(), BreakerState::kClosed);
  EXPECT_EQ(t.get(), (std::vector<std::string>{"s: closed->open", "s: open->closed"}));
}

TEST(SreThrottle, AdmittedShareMatchesTheProbability) {
  ManualClock clock;
  // k = 2: with requests fixed by Record and no further outcomes, p stays put while the
  // rejections themselves add requests; measure the first 100 decisions.
  SreThrottle b({.k = 2, .min_requests = 0}, "s", {}, clock, SeededRandom(11));
  for (int i = 0; i < 1000; ++i) Feed(b, i % 4 == 0);  // 250 accepts of 1000
  double p = b.reject_probability();
  EXPECT_NEAR(p, (1000.0 - 500) / 1001, 1e-12);
  int rejected = 0;
  for (int i = 0; i < 1000; ++i) {
    Permit permit = b.Allow();
    if (!permit) {
      ++rejected;
    } else {
      b.Release(permit);
    }
  }
  // p drifts up as rejections add requests: from ~0.50 to ~0.75 after 1000 decisions.
  EXPECT_GT(rejected, 550);
  EXPECT_LT(rejected, 750);
}

TEST(MethodBreakerInterceptor, OpenCircuitFailsFastWithoutSending) {
  ManualClock clock;
  Transitions t;
  bool healthy = false;
  FakeClient client(2, [&](const registry::Node&, int) {
    return healthy ? Status::Ok() : Status::Internal("boom");
  });
  BreakerOptions options;
  options.hystrix = Small();
  options.hystrix.half_open_probes = 1;
  auto breakers =
      std::make_shared<MethodBreakerInterceptor>(BreakerRules(options), t.Listener(), clock);
  client.calls.push_back(breakers);
  Context ctx;
  for (int i = 0; i < 10; ++i) EXPECT_EQ(client.Call(ctx, {}).code(), StatusCode::kInternal);
  EXPECT_EQ(breakers->StateOf("svc", "/test.Svc/Get"), BreakerState::kOpen);
  Status s = client.Call(ctx, {});
  EXPECT_EQ(s, Status::Unavailable("circuit open for /test.Svc/Get"));
  EXPECT_EQ(client.sent_count(), 10u);
  // Another method has its own breaker.
  EXPECT_EQ(client.Call(ctx, {.method = "/test.Svc/Other"}).code(), StatusCode::kInternal);
  // After the sleep window one probe goes; it succeeds and closes the circuit.
  clock.Advance(5s);
  healthy = true;
  EXPECT_TRUE(client.Call(ctx, {}).ok());
  EXPECT_EQ(breakers->StateOf("svc", "/test.Svc/Get"), BreakerState::kClosed);
  EXPECT_EQ(t.get(), (std::vector<std::string>{"svc/test.Svc/Get: closed->open",
                                               "svc/test.Svc/Get: open->half_open",
                                               "svc/test.Svc/Get: half_open->closed"}));
}

TEST(MethodBreakerInterceptor, CodesOutsideFailureCodesCountAsSuccess) {
  ManualClock clock;
  FakeClient client(1, [](const registry::Node&, int) { return Status::NotFound("no such"); });
  BreakerOptions options;
  options.hystrix = Small();
  auto breakers =
      std::make_shared<MethodBreakerInterceptor>(BreakerRules(options), BreakerListener{}, clock);
  client.calls.push_back(breakers);
  Context ctx;
  for (int i = 0; i < 50; ++i) (void)client.Call(ctx, {});
  EXPECT_EQ(breakers->StateOf("svc", "/test.Svc/Get"), BreakerState::kClosed);
}

TEST(EndpointBreakers, OpenEndpointsLeaveTheCandidatesUntilEveryOneIsOpen) {
  ManualClock clock;
  Transitions t;
  std::set<std::string> failing = {"n0"};
  FakeClient client(3, [&](const registry::Node& node, int) {
    return failing.count(node.id) ? Status::Unavailable("down") : Status::Ok();
  });
  BreakerOptions options;
  options.hystrix = Small();
  options.hystrix.request_volume_threshold = 3;
  options.hystrix.half_open_probes = 1;
  auto endpoints = std::make_shared<EndpointBreakers>(BreakerRules(options), t.Listener(), clock);
  client.attempts.push_back(endpoints);
  client.filters.push_back(endpoints);
  Context ctx;
  for (int i = 0; i < 9; ++i) (void)client.Call(ctx, {});
  EXPECT_EQ(endpoints->StateOf("svc", "n0"), BreakerState::kOpen);
  // n0 is skipped: every further call goes to n1 or n2.
  size_t before = client.sent_count();
  for (int i = 0; i < 30; ++i) EXPECT_TRUE(client.Call(ctx, {}).ok());
  auto sent = client.sent();
  EXPECT_EQ(std::count(sent.begin() + static_cast<ptrdiff_t>(before), sent.end(), "n0"), 0);

  // Every node fails: all open; the filter then keeps them all and the attempt-level
  // breaker rejects without sending.
  failing = {"n0", "n1", "n2"};
  clock.Advance(10s);  // the successes age out of the window
  for (int i = 0; i < 30; ++i) (void)client.Call(ctx, {});
  EXPECT_EQ(endpoints->StateOf("svc", "n1"), BreakerState::kOpen);
  EXPECT_EQ(endpoints->StateOf("svc", "n2"), BreakerState::kOpen);
  before = client.sent_count();
  Status s = client.Call(ctx, {});
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("circuit open for endpoint 127.0.0.1:100"), std::string::npos) << s;
  EXPECT_EQ(client.sent_count(), before);

  // n1 recovers; after the sleep window a probe finds it and closes its breaker.
  failing = {"n0", "n2"};
  clock.Advance(5s);
  for (int i = 0; i < 3; ++i) (void)client.Call(ctx, {});
  EXPECT_EQ(endpoints->StateOf("svc", "n1"), BreakerState::kClosed);
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(client.Call(ctx, {}).ok());
}

TEST(EndpointBreakers, CallsToAnExplicitAddressPassThrough) {
  auto endpoints = std::make_shared<EndpointBreakers>();
  std::vector<std::shared_ptr<client::ClientInterceptor>> chain{endpoints};
  int sent = 0;
  client::ClientCall call{.method = "/test.Svc/Get", .address = "10.0.0.1:1"};
  Context ctx;
  Status result;
  client::ClientNext(
      &chain, 0,
      [](void* owner, Context&, client::ClientCall&, client::Done done) {
        ++*static_cast<int*>(owner);
        done(Status::Unavailable("x"));
      },
      &sent)(ctx, call, [&](Status s) { result = s; });
  EXPECT_EQ(sent, 1);
  EXPECT_EQ(result.code(), StatusCode::kUnavailable);
}

// Two threads hammer one breaker of each kind through open/half-open/closed (TSan).
TEST(CircuitBreaker, TwoThreadsDriveEveryTransition) {
  for (BreakerKind kind : {BreakerKind::kHystrix, BreakerKind::kSre}) {
    ManualClock clock;
    std::atomic<int> transitions{0};
    BreakerOptions options{.kind = kind};
    options.hystrix = Small();
    auto b = NewCircuitBreaker(
        options, "stress", [&](std::string_view, BreakerState, BreakerState) { ++transitions; },
        clock, SeededRandom(5));
    auto worker = [&](int seed) {
      for (int i = 0; i < 20000; ++i) {
        if (i % 1000 == 0 && seed == 0) clock.Advance(1s);
        Permit p = b->Allow();
        if (!p) continue;
        bool success = ((i / 2000) % 2 == 0) ? (i % 10 != 0) : (i % 10 == 0);
        if (i % 97 == 0) {
          b->Release(p);
        } else {
          b->Record(p, success, 1ms);
        }
      }
    };
    std::thread a(worker, 0), c(worker, 1);
    a.join();
    c.join();
    EXPECT_GT(transitions.load(), 0);
  }
}

}  // namespace
}  // namespace micro::governance

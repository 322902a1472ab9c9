// Retries: backoff bounds, the budget's arithmetic, and the retry interceptor's stopping
// rules (idempotency, deadline, budget, cancellation), blocking and async.
#include <micro/governance/retry.h>
#include <micro/governance/retry_budget.h>
#include <micro/governance/retry_interceptor.h>

#include <gtest/gtest.h>

#include <future>
#include <set>
#include <thread>

#include "fake_chain.h"
#include "support/wait.h"

namespace micro::governance {
namespace {

using namespace std::chrono_literals;
using testing::FakeClient;

TEST(RetryPolicy, EveryBackoffLiesWithinItsExponentialCap) {
  RetryPolicy policy({.initial_backoff = 10ms, .max_backoff = 300ms, .multiplier = 2.0});
  EXPECT_EQ(policy.BackoffCap(1), 10ms);
  EXPECT_EQ(policy.BackoffCap(2), 20ms);
  EXPECT_EQ(policy.BackoffCap(5), 160ms);
  EXPECT_EQ(policy.BackoffCap(6), 300ms);    // capped
  EXPECT_EQ(policy.BackoffCap(200), 300ms);  // no overflow

  RandomFn random = SeededRandom(7);
  for (int retry = 1; retry <= 10; ++retry) {
    auto cap = std::min<std::chrono::nanoseconds>(300ms, 10ms * (1 << (retry - 1)));
    std::chrono::nanoseconds lo = cap, hi{0};
    for (int i = 0; i < 2000; ++i) {
      auto d = policy.Backoff(retry, random);
      ASSERT_GE(d.count(), 0);
      ASSERT_LE(d, cap) << "retry " << retry;
      lo = std::min(lo, d);
      hi = std::max(hi, d);
    }
    // Full jitter spreads over the whole range.
    EXPECT_LT(lo, cap / 10) << "retry " << retry;
    EXPECT_GT(hi, cap * 9 / 10) << "retry " << retry;
  }
  EXPECT_EQ(policy.Backoff(3, [] { return 0.0; }), 0ns);
  EXPECT_EQ(policy.Backoff(3, [] { return 0.5; }), 20ms);
}

TEST(RetryPolicy, VerdictsFollowCodeIdempotencyAndAttempts) {
  RetryPolicy policy({.max_attempts = 3});
  EXPECT_EQ(policy.ShouldRetry(Status::Ok(), 1, true), RetryVerdict::kSucceeded);
  EXPECT_EQ(policy.ShouldRetry(Status::Internal("x"), 1, true), RetryVerdict::kNotRetryable);
  EXPECT_EQ(policy.ShouldRetry(Status::Unavailable("x"), 1, false), RetryVerdict::kNotIdempotent);
  EXPECT_EQ(policy.ShouldRetry(Status::Unavailable("x"), 1, true), RetryVerdict::kRetry);
  EXPECT_EQ(policy.ShouldRetry(Status::Unavailable("x"), 2, true), RetryVerdict::kRetry);
  EXPECT_EQ(policy.ShouldRetry(Status::Unavailable("x"), 3, true), RetryVerdict::kExhausted);

  RetryPolicy marked({.idempotent = true});
  EXPECT_EQ(marked.ShouldRetry(Status::Unavailable("x"), 1, false), RetryVerdict::kRetry);
}

TEST(RetryPolicy, ValidateNamesTheBadField) {
  EXPECT_TRUE(RetryOptions{}.Validate().ok());
  auto message = [](RetryOptions o) { return o.Validate().message(); };
  EXPECT_NE(message({.max_attempts = 0}).find("max_attempts"), std::string::npos);
  EXPECT_NE(message({.initial_backoff = 2s, .max_backoff = 1s}).find("max_backoff"),
            std::string::npos);
  EXPECT_NE(message({.multiplier = 0.5}).find("multiplier"), std::string::npos);
  EXPECT_NE(message({.retryable_codes = {StatusCode::kOk}}).find("retryable_codes"),
            std::string::npos);
  EXPECT_NE(RetryBudgetOptions{.ratio = -1}.Validate().message().find("ratio"), std::string::npos);
  EXPECT_NE(RetryBudgetOptions{.window = 0ms}.Validate().message().find("window"),
            std::string::npos);

  RetryRules rules({}, {{"/a.B/C", {.max_attempts = 0}}});
  EXPECT_NE(rules.Validate().message().find("rule '/a.B/C': max_attempts"), std::string::npos)
      << rules.Validate();
}

TEST(RetryBudget, AdmitsExactlyItsShareOfRequests) {
  ManualClock clock;
  RetryBudget budget({.ratio = 0.2, .min_retries_per_second = 0, .window = 10s}, clock);
  for (int i = 0; i < 100; ++i) budget.RecordRequest();
  int admitted = 0;
  while (budget.TryRetry()) ++admitted;
  EXPECT_EQ(admitted, 20);
  // Five more requests earn exactly one more retry.
  for (int i = 0; i < 4; ++i) budget.RecordRequest();
  EXPECT_FALSE(budget.TryRetry());
  budget.RecordRequest();
  EXPECT_TRUE(budget.TryRetry());
  EXPECT_FALSE(budget.TryRetry());
}

TEST(RetryBudget, FloorAllowsRetriesWithoutTrafficAndWindowForgets) {
  ManualClock clock;
  RetryBudget budget({.ratio = 0.5, .min_retries_per_second = 1, .window = 10s, .buckets = 10},
                     clock);
  // Floor: 1/s over a 10 s window = 10 retries even with no requests.
  EXPECT_EQ(budget.Available(), 10);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(budget.TryRetry());
  EXPECT_FALSE(budget.TryRetry());
  // 20 requests earn 10 more.
  for (int i = 0; i < 20; ++i) budget.RecordRequest();
  EXPECT_EQ(budget.Available(), 10);
  // A full window later, everything has rolled out: only the floor remains.
  clock.Advance(10s);
  EXPECT_EQ(budget.Available(), 10);
  // Half a window: retries and requests made now stay counted until they age out.
  for (int i = 0; i < 4; ++i) budget.RecordRequest();
  for (int i = 0; i < 12; ++i) ASSERT_TRUE(budget.TryRetry());
  EXPECT_FALSE(budget.TryRetry());
  clock.Advance(5s);
  EXPECT_FALSE(budget.TryRetry());
  clock.Advance(5s);
  EXPECT_EQ(budget.Available(), 10);
}

// An env whose blocking sleeps return at once and record their delays.
struct Recorded {
  std::mutex mu;
  std::vector<std::chrono::nanoseconds> sleeps;
  RetryEnv Env(const Clock* clock = nullptr) {
    return {.clock = clock,
            .random = SeededRandom(1),
            .sleep = [this](Context&, std::chrono::nanoseconds d) {
              std::lock_guard lock(mu);
              sleeps.push_back(d);
            }};
  }
};

TEST(RetryInterceptor, RetriesGoToDifferentNodesUntilOneSucceeds) {
  FakeClient client(3, [](const registry::Node& node, int) {
    return node.id == "n2" ? Status::Ok() : Status::Unavailable("down");
  });
  Recorded rec;
  auto retry = std::make_shared<RetryInterceptor>(
      RetryRules({.max_attempts = 3, .initial_backoff = 10ms}), std::nullopt, rec.Env());
  client.calls.push_back(retry);
  Context ctx = Context::WithTimeout(5s);
  EXPECT_TRUE(client.Call(ctx, {.idempotent = true}).ok());
  EXPECT_EQ(client.sent(), (std::vector<std::string>{"n0", "n1", "n2"}));
  ASSERT_EQ(rec.sleeps.size(), 2u);
  EXPECT_LE(rec.sleeps[0], 10ms);
  EXPECT_LE(rec.sleeps[1], 20ms);
  EXPECT_EQ(retry->stats().retries, 2u);
}

TEST(RetryInterceptor, GivesUpAfterMaxAttemptsWithTheLastStatus) {
  int n = 0;
  FakeClient client(3, [&](const registry::Node&, int attempt) {
    ++n;
    return Status::Unavailable("attempt " + std::to_string(attempt));
  });
  Recorded rec;
  client.calls.push_back(
      std::make_shared<RetryInterceptor>(RetryRules({.max_attempts = 4}), std::nullopt, rec.Env()));
  Context ctx;
  Status s = client.Call(ctx, {.idempotent = true});
  EXPECT_EQ(s, Status::Unavailable("attempt 4"));
  EXPECT_EQ(n, 4);
}

TEST(RetryInterceptor, NeverRepeatsANonIdempotentCallUnlessItsRuleSaysSo) {
  FakeClient client(3, [](const registry::Node&, int) { return Status::Unavailable("down"); });
  Recorded rec;
  auto retry = std::make_shared<RetryInterceptor>(
      RetryRules({.max_attempts = 3}, {{"/test.Svc/Put", {.max_attempts = 3, .idempotent = true}}}),
      std::nullopt, rec.Env());
  client.calls.push_back(retry);
  Context ctx;
  EXPECT_EQ(client.Call(ctx, {.method = "/test.Svc/Get", .idempotent = false}).code(),
            StatusCode::kUnavailable);
  EXPECT_EQ(client.sent_count(), 1u);
  EXPECT_EQ(retry->stats().not_idempotent, 1u);
  // The rule marks Put idempotent.
  EXPECT_EQ(client.Call(ctx, {.method = "/test.Svc/Put", .idempotent = false}).code(),
            StatusCode::kUnavailable);
  EXPECT_EQ(client.sent_count(), 4u);
}

TEST(RetryInterceptor, DoesNotRetryCodesOutsideTheRetryableSet) {
  FakeClient client(2, [](const registry::Node&, int) { return Status::InvalidArgument("bad"); });
  Recorded rec;
  client.calls.push_back(std::make_shared<RetryInterceptor>(RetryRules(), std::nullopt, rec.Env()));
  Context ctx;
  EXPECT_EQ(client.Call(ctx, {.idempotent = true}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(client.sent_count(), 1u);
}

TEST(RetryInterceptor, StopsWhenTheBackoffWouldOutlastTheDeadline) {
  FakeClient client(3, [](const registry::Node&, int) { return Status::Unavailable("down"); });
  Recorded rec;
  RetryEnv env = rec.Env();
  env.random = [] { return 0.99; };  // backoff = 99% of the 1 s cap
  auto retry = std::make_shared<RetryInterceptor>(
      RetryRules({.max_attempts = 5, .initial_backoff = 1s, .max_backoff = 1s}), std::nullopt, env);
  client.calls.push_back(retry);
  Context ctx = Context::WithTimeout(200ms);
  EXPECT_EQ(client.Call(ctx, {.idempotent = true}).code(), StatusCode::kUnavailable);
  EXPECT_EQ(client.sent_count(), 1u);
  EXPECT_TRUE(rec.sleeps.empty());
  EXPECT_EQ(retry->stats().deadline_too_close, 1u);
}

TEST(RetryInterceptor, BudgetCapsRetriesAcrossCalls) {
  ManualClock clock;
  FakeClient client(3, [](const registry::Node&, int) { return Status::Unavailable("down"); });
  Recorded rec;
  auto retry = std::make_shared<RetryInterceptor>(
      RetryRules({.max_attempts = 3}),
      RetryBudgetOptions{.ratio = 0.1, .min_retries_per_second = 0}, rec.Env(&clock));
  client.calls.push_back(retry);
  for (int i = 0; i < 50; ++i) {
    Context ctx;
    ASSERT_EQ(client.Call(ctx, {.idempotent = true}).code(), StatusCode::kUnavailable);
  }
  // 50 calls earn 5 retries in all, instead of 100.
  EXPECT_EQ(retry->stats().retries, 5u);
  EXPECT_EQ(client.sent_count(), 55u);
  EXPECT_EQ(retry->stats().budget_exhausted, 50u);  // every call was refused one retry
}

TEST(RetryInterceptor, BudgetsArePerService) {
  ManualClock clock;
  FakeClient client(2, [](const registry::Node&, int) { return Status::Unavailable("down"); });
  Recorded rec;
  auto retry = std::make_shared<RetryInterceptor>(
      RetryRules({.max_attempts = 2}),
      RetryBudgetOptions{.ratio = 0, .min_retries_per_second = 0.1, .window = 10s},
      rec.Env(&clock));
  client.calls.push_back(retry);
  Context ctx;
  // Each service's floor is one retry per 10 s window.
  for (const char* service : {"a", "a", "b", "b"}) {
    (void)client.Call(ctx, {.service = service, .idempotent = true});
  }
  EXPECT_EQ(retry->stats().retries, 2u);
}

TEST(RetryInterceptor, CancellingTheContextStopsABlockingRetryMidBackoff) {
  FakeClient client(2, [](const registry::Node&, int) { return Status::Unavailable("down"); });
  auto retry = std::make_shared<RetryInterceptor>(
      RetryRules({.max_attempts = 5, .initial_backoff = 30s, .max_backoff = 30s}), std::nullopt,
      RetryEnv{.random = [] { return 1.0; }});
  client.calls.push_back(retry);
  Context ctx;
  auto start = std::chrono::steady_clock::now();
  std::thread canceller([&] {
    ASSERT_TRUE(testing::WaitFor([&] { return client.sent_count() == 1; }));
    ctx.Cancel();
  });
  Status s = client.Call(ctx, {.idempotent = true});
  canceller.join();
  EXPECT_EQ(s.code(), StatusCode::kCancelled) << s;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  EXPECT_EQ(client.sent_count(), 1u);
}

TEST(RetryInterceptor, AsyncRetriesRunOnTheTimerAndDoneRunsOnce) {
  std::atomic<int> failures_left{2};
  FakeClient client(3, [&](const registry::Node&, int) {
    return failures_left.fetch_sub(1) > 0 ? Status::Unavailable("down") : Status::Ok();
  });
  runtime::Timer timer;
  bool slept = false;
  auto retry = std::make_shared<RetryInterceptor>(
      RetryRules({.max_attempts = 3, .initial_backoff = 1ms}), std::nullopt,
      RetryEnv{.timer = &timer,
               .sleep = [&](Context&, std::chrono::nanoseconds) { slept = true; }});
  client.calls.push_back(retry);
  Context ctx = Context::WithTimeout(10s);
  client::ClientCall call{.service = "svc", .method = "/test.Svc/Get", .idempotent = true};
  std::promise<Status> result;
  std::atomic<int> done_count{0};
  client.CallAsync(ctx, call, [&](Status s) {
    if (done_count.fetch_add(1) == 0) result.set_value(std::move(s));
  });
  auto f = result.get_future();
  ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
  EXPECT_TRUE(f.get().ok());
  EXPECT_EQ(call.attempt, 3);
  EXPECT_EQ(call.tried.size(), 3u);
  EXPECT_EQ(std::set<std::string>(call.tried.begin(), call.tried.end()).size(), 3u);
  EXPECT_FALSE(slept);  // never blocked a thread
  timer.Shutdown();
  EXPECT_EQ(done_count.load(), 1);
}

// A zero backoff makes the timer fire while the retry is still being armed.
TEST(RetryInterceptor, AsyncRetryWithAZeroBackoffIsNeverLost) {
  FakeClient client(2, [](const registry::Node&, int attempt) {
    return attempt == 1 ? Status::Unavailable("first attempt fails") : Status::Ok();
  });
  runtime::Timer timer;
  auto retry = std::make_shared<RetryInterceptor>(
      RetryRules({.max_attempts = 2, .initial_backoff = 0ms, .max_backoff = 0ms}), std::nullopt,
      RetryEnv{.timer = &timer});
  client.calls.push_back(retry);
  for (int i = 0; i < 300; ++i) {
    Context ctx;
    client::ClientCall call{.service = "svc", .method = "/test.Svc/Get", .idempotent = true};
    std::promise<Status> result;
    client.CallAsync(ctx, call, [&](Status s) { result.set_value(std::move(s)); });
    auto f = result.get_future();
    ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
    ASSERT_TRUE(f.get().ok()) << "call " << i;
    ASSERT_EQ(call.attempt, 2);
  }
}

TEST(RetryInterceptor, CancellingTheContextEndsAnAsyncBackoffAtOnce) {
  FakeClient client(2, [](const registry::Node&, int) { return Status::Unavailable("down"); });
  runtime::Timer timer;
  auto retry = std::make_shared<RetryInterceptor>(
      RetryRules({.max_attempts = 5, .initial_backoff = 60s, .max_backoff = 60s}), std::nullopt,
      RetryEnv{.timer = &timer, .random = [] { return 1.0; }});
  client.calls.push_back(retry);
  Context ctx;
  client::ClientCall call{.service = "svc", .method = "/test.Svc/Get", .idempotent = true};
  std::promise<Status> result;
  client.CallAsync(ctx, call, [&](Status s) { result.set_value(std::move(s)); });
  ASSERT_TRUE(testing::WaitFor([&] { return timer.pending() == 1; }));
  ctx.Cancel();
  auto f = result.get_future();
  ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(f.get().code(), StatusCode::kCancelled);
  EXPECT_TRUE(testing::WaitFor([&] { return timer.pending() == 0; }));
  EXPECT_EQ(client.sent_count(), 1u);
}

TEST(RetryInterceptor, ATimerShutDownWithARetryPendingStillEndsTheCall) {
  FakeClient client(2, [](const registry::Node&, int) { return Status::Unavailable("down"); });
  runtime::Timer timer;
  auto retry = std::make_shared<RetryInterceptor>(
      RetryRules({.max_attempts = 5, .initial_backoff = 60s, .max_backoff = 60s}), std::nullopt,
      RetryEnv{.timer = &timer, .random = [] { return 1.0; }});
  client.calls.push_back(retry);
  Context ctx;
  client::ClientCall call{.service = "svc", .method = "/test.Svc/Get", .idempotent = true};
  std::promise<Status> result;
  client.CallAsync(ctx, call, [&](Status s) { result.set_value(std::move(s)); });
  ASSERT_TRUE(testing::WaitFor([&] { return timer.pending() == 1; }));
  timer.Shutdown();
  auto f = result.get_future();
  ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(f.get(), Status::Unavailable("down"));
}

TEST(RetryInterceptor, HotReloadedRulesApplyToNewCalls) {
  FakeClient client(3, [](const registry::Node&, int) { return Status::Unavailable("down"); });
  Recorded rec;
  auto retry =
      std::make_shared<RetryInterceptor>(RetryRules({.max_attempts = 1}), std::nullopt, rec.Env());
  client.calls.push_back(retry);
  Context ctx;
  (void)client.Call(ctx, {.idempotent = true});
  EXPECT_EQ(client.sent_count(), 1u);
  retry->SetRules(RetryRules({.max_attempts = 3}));
  (void)client.Call(ctx, {.idempotent = true});
  EXPECT_EQ(client.sent_count(), 4u);
}

// Two threads share one interceptor and one budget (run under TSan).
TEST(RetryInterceptor, TwoThreadsShareOneBudget) {
  std::atomic<int> n{0};
  FakeClient client(3, [&](const registry::Node&, int) {
    return n.fetch_add(1) % 2 ? Status::Ok() : Status::Unavailable("flaky");
  });
  Recorded rec;
  auto retry = std::make_shared<RetryInterceptor>(
      RetryRules({.max_attempts = 3}),
      RetryBudgetOptions{.ratio = 0.2, .min_retries_per_second = 0}, rec.Env());
  client.calls.push_back(retry);
  auto worker = [&] {
    for (int i = 0; i < 2000; ++i) {
      Context ctx;
      (void)client.Call(ctx, {.idempotent = true});
    }
  };
  std::thread a(worker), b(worker);
  a.join();
  b.join();
  auto stats = retry->stats();
  EXPECT_EQ(stats.calls, 4000u);
  EXPECT_LE(stats.retries, 800u);  // 20% of 4000 requests
  EXPECT_EQ(client.sent_count(), 4000u + stats.retries);
}

}  // namespace
}  // namespace micro::governance

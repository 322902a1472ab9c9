// Local limiters: each admits exactly what its arithmetic says, on a ManualClock.
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <micro/core/clock.h>
#include <micro/governance/limiter.h>

namespace micro::governance {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

int Drain(Limiter& limiter, int at_most = 1000000) {
  int admitted = 0;
  while (admitted < at_most && limiter.TryAcquire()) ++admitted;
  return admitted;
}

TEST(TokenBucketTest, BurstAtOnceThenOnePerInterval) {
  ManualClock clock;
  TokenBucket bucket({.rate = 10, .burst = 5}, clock);
  EXPECT_EQ(Drain(bucket), 5);
  clock.Advance(milliseconds(99));
  EXPECT_FALSE(bucket.TryAcquire());
  clock.Advance(milliseconds(1));
  EXPECT_TRUE(bucket.TryAcquire());
  EXPECT_FALSE(bucket.TryAcquire());
  for (int i = 0; i < 20; ++i) {
    clock.Advance(milliseconds(100));
    EXPECT_EQ(Drain(bucket), 1) << "step " << i;
  }
}

TEST(TokenBucketTest, IdleTimeFillsOnlyUpToBurst) {
  ManualClock clock;
  TokenBucket bucket({.rate = 10, .burst = 5}, clock);
  EXPECT_EQ(Drain(bucket), 5);
  clock.Advance(seconds(60));
  EXPECT_EQ(bucket.Available(), 5);
  EXPECT_EQ(Drain(bucket), 5);
  clock.Advance(milliseconds(250));  // 2.5 permits: two whole ones
  EXPECT_EQ(bucket.Available(), 2);
  EXPECT_EQ(Drain(bucket), 2);
  clock.Advance(milliseconds(50));  // the half permit left completes
  EXPECT_EQ(Drain(bucket), 1);
}

TEST(TokenBucketTest, MultiplePermits) {
  ManualClock clock;
  TokenBucket bucket({.rate = 10, .burst = 5}, clock);
  EXPECT_FALSE(bucket.TryAcquire(6));  // never fits
  EXPECT_TRUE(bucket.TryAcquire(3));
  EXPECT_FALSE(bucket.TryAcquire(3));  // 2 left; takes nothing
  EXPECT_TRUE(bucket.TryAcquire(2));
  clock.Advance(milliseconds(300));
  EXPECT_TRUE(bucket.TryAcquire(3));
}

TEST(TokenBucketTest, DefaultBurstIsOneSecond) {
  ManualClock clock;
  TokenBucket bucket({.rate = 50}, clock);
  EXPECT_EQ(bucket.options().burst, 50);
  EXPECT_EQ(Drain(bucket), 50);
}

TEST(TokenBucketTest, ValidateNamesTheField) {
  EXPECT_TRUE(TokenBucketOptions{}.Validate().ok());
  Status s = TokenBucketOptions{.rate = 0}.Validate();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(s.message().starts_with("rate:")) << s;
  EXPECT_TRUE(TokenBucketOptions{.burst = -1}.Validate().message().starts_with("burst:"));
}

TEST(SlidingWindowTest, WeightsThePreviousWindow) {
  ManualClock clock;
  // Start exactly at a window boundary so the arithmetic below is exact.
  clock.Set(Clock::time_point(seconds(1000)));
  SlidingWindow window({.limit = 10, .window = seconds(1)}, clock);
  EXPECT_EQ(Drain(window), 10);
  clock.Advance(milliseconds(999));
  EXPECT_EQ(Drain(window), 0);
  clock.Advance(milliseconds(1));  // t = 1.0: the previous 10 still weigh 100%
  EXPECT_EQ(Drain(window), 0);
  clock.Advance(milliseconds(500));  // t = 1.5: 10 * 0.5 = 5 -> room for 5
  EXPECT_EQ(Drain(window), 5);
  clock.Advance(milliseconds(500));  // t = 2.0: previous = 5 at 100% -> 5 more
  EXPECT_EQ(Drain(window), 5);
  clock.Advance(milliseconds(1500));  // t = 3.5: previous (window 2) = 5 at 50% = 2.5 -> 7
  EXPECT_EQ(Drain(window), 7);
  clock.Advance(seconds(5));  // both windows long gone
  EXPECT_EQ(Drain(window), 10);
}

TEST(SlidingWindowTest, ValidateNamesTheField) {
  EXPECT_TRUE(SlidingWindowOptions{}.Validate().ok());
  EXPECT_TRUE(SlidingWindowOptions{.limit = 0}.Validate().message().starts_with("limit:"));
  EXPECT_TRUE(
      SlidingWindowOptions{.limit = SlidingWindow::kMaxLimit + 1}.Validate().message().starts_with(
          "limit:"));
  EXPECT_TRUE(
      SlidingWindowOptions{.window = seconds(0)}.Validate().message().starts_with("window:"));
}

TEST(LeakyBucketTest, QueueDepthAndPacing) {
  ManualClock clock;
  LeakyBucket bucket({.rate = 10, .queue_depth = 2}, clock);
  EXPECT_EQ(bucket.Reserve(), milliseconds(0));
  EXPECT_EQ(bucket.Reserve(), milliseconds(100));
  EXPECT_EQ(bucket.Reserve(), milliseconds(200));
  EXPECT_EQ(bucket.Reserve().count(), -1);  // full
  EXPECT_FALSE(bucket.TryAcquire());
  clock.Advance(milliseconds(100));  // one drained
  EXPECT_EQ(bucket.Reserve(), milliseconds(200));
  EXPECT_FALSE(bucket.TryAcquire());
  clock.Advance(milliseconds(50));
  EXPECT_FALSE(bucket.TryAcquire());
  clock.Advance(milliseconds(50));
  EXPECT_TRUE(bucket.TryAcquire());
  // Steady state: exactly one per 100 ms.
  for (int i = 0; i < 10; ++i) {
    clock.Advance(milliseconds(100));
    EXPECT_EQ(Drain(bucket), 1);
  }
}

TEST(LeakyBucketTest, NoQueueMeansStrictSpacing) {
  ManualClock clock;
  LeakyBucket bucket({.rate = 4, .queue_depth = 0}, clock);
  EXPECT_EQ(Drain(bucket), 1);
  clock.Advance(seconds(10));  // idle time does not bank permits
  EXPECT_EQ(Drain(bucket), 1);
  clock.Advance(milliseconds(249));
  EXPECT_EQ(Drain(bucket), 0);
  clock.Advance(milliseconds(1));
  EXPECT_EQ(Drain(bucket), 1);
  EXPECT_TRUE(
      LeakyBucketOptions{.queue_depth = -1}.Validate().message().starts_with("queue_depth:"));
}

TEST(LimiterConfigTest, BuildsEachAlgorithm) {
  ManualClock clock;
  EXPECT_EQ(Drain(*NewLimiter(TokenBucketOptions{.rate = 1, .burst = 3}, clock)), 3);
  EXPECT_EQ(Drain(*NewLimiter(SlidingWindowOptions{.limit = 4}, clock)), 4);
  EXPECT_EQ(Drain(*NewLimiter(LeakyBucketOptions{.rate = 1, .queue_depth = 1}, clock)), 2);
  EXPECT_TRUE(ValidateLimiterConfig(LeakyBucketOptions{.rate = -1}).message().starts_with("rate:"));
}

TEST(KeyedLimiterTest, KeysAreSeparate) {
  ManualClock clock;
  KeyedLimiter limiter({.limiter = TokenBucketOptions{.rate = 1, .burst = 2}}, clock);
  EXPECT_TRUE(limiter.TryAcquire("alice"));
  EXPECT_TRUE(limiter.TryAcquire("alice"));
  EXPECT_FALSE(limiter.TryAcquire("alice"));
  EXPECT_TRUE(limiter.TryAcquire("bob"));
  EXPECT_TRUE(limiter.TryAcquire("bob"));
  EXPECT_FALSE(limiter.TryAcquire("bob"));
  EXPECT_EQ(limiter.size(), 2u);
  clock.Advance(seconds(1));
  EXPECT_TRUE(limiter.TryAcquire("alice"));
  EXPECT_FALSE(limiter.TryAcquire("alice"));
}

TEST(KeyedLimiterTest, SizeIsBounded) {
  ManualClock clock;
  KeyedLimiter limiter({.limiter = TokenBucketOptions{.rate = 1, .burst = 1}, .max_keys = 64},
                       clock);
  for (int i = 0; i < 10000; ++i) {
    clock.Advance(milliseconds(1));
    EXPECT_TRUE(limiter.TryAcquire("caller-" + std::to_string(i)));
  }
  EXPECT_LE(limiter.size(), 64u);
  EXPECT_GE(limiter.size(), 32u);
  // The most recent caller is still remembered (and still limited).
  EXPECT_FALSE(limiter.TryAcquire("caller-9999"));
}

TEST(KeyedLimiterTest, IdleKeysAreForgotten) {
  ManualClock clock;
  KeyedLimiter limiter(
      {.limiter = TokenBucketOptions{.rate = 1, .burst = 1}, .idle_timeout = seconds(60)}, clock);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(limiter.TryAcquire("old-" + std::to_string(i)));
  EXPECT_EQ(limiter.size(), 100u);
  clock.Advance(seconds(61));
  // New keys landing in every shard sweep the idle ones away.
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(limiter.TryAcquire("new-" + std::to_string(i)));
  EXPECT_EQ(limiter.size(), 200u);
}

TEST(KeyedLimiterTest, ValidateNamesTheField) {
  EXPECT_TRUE(KeyedLimiterOptions{}.Validate().ok());
  EXPECT_TRUE(KeyedLimiterOptions{.max_keys = 3}.Validate().message().starts_with("max_keys:"));
  EXPECT_TRUE(KeyedLimiterOptions{.limiter = TokenBucketOptions{.rate = 0}}
                  .Validate()
                  .message()
                  .starts_with("limiter.rate:"));
}

// Two threads racing on a frozen clock: the total admitted is exactly the math's.
template <typename MakeLimiter>
int RaceTwoThreads(MakeLimiter make, int attempts_each) {
  auto limiter = make();
  std::atomic<int> admitted{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&] {
      while (!go.load()) {
      }
      int mine = 0;
      for (int i = 0; i < attempts_each; ++i) mine += limiter->TryAcquire() ? 1 : 0;
      admitted.fetch_add(mine);
    });
  }
  go.store(true);
  for (auto& t : threads) t.join();
  return admitted.load();
}

TEST(LimiterStressTest, TwoThreadsNeverExceedTheMath) {
  ManualClock clock;
  EXPECT_EQ(RaceTwoThreads(
                [&] {
                  return std::make_unique<TokenBucket>(TokenBucketOptions{.rate = 1, .burst = 5000},
                                                       clock);
                },
                20000),
            5000);
  EXPECT_EQ(RaceTwoThreads(
                [&] {
                  return std::make_unique<SlidingWindow>(SlidingWindowOptions{.limit = 5000},
                                                         clock);
                },
                20000),
            5000);
  EXPECT_EQ(RaceTwoThreads(
                [&] {
                  return std::make_unique<LeakyBucket>(
                      LeakyBucketOptions{.rate = 1, .queue_depth = 4999}, clock);
                },
                20000),
            5000);
  auto keyed = std::make_shared<KeyedLimiter>(
      KeyedLimiterOptions{.limiter = TokenBucketOptions{.rate = 1, .burst = 5000}}, clock);
  struct OneKey : Limiter {
    std::shared_ptr<KeyedLimiter> k;
    bool DoTryAcquire(int64_t n) override { return k->TryAcquire("same", n); }
  };
  EXPECT_EQ(RaceTwoThreads(
                [&] {
                  auto l = std::make_unique<OneKey>();
                  l->k = keyed;
                  return l;
                },
                20000),
            5000);
}

// With time moving (the real clock), admissions stay within burst + rate * elapsed.
TEST(LimiterStressTest, TwoThreadsOnTheRealClockStayUnderTheRate) {
  const auto start = std::chrono::steady_clock::now();
  TokenBucket bucket({.rate = 2000, .burst = 100});
  SlidingWindow window({.limit = 100, .window = milliseconds(50)});
  std::atomic<int64_t> bucket_admitted{0}, window_admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&] {
      while (std::chrono::steady_clock::now() - start < milliseconds(300)) {
        if (bucket.TryAcquire()) bucket_admitted.fetch_add(1);
        if (window.TryAcquire()) window_admitted.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LE(bucket_admitted.load(), 100 + static_cast<int64_t>(2000 * elapsed) + 1);
  // A sliding window admits at most 2 x limit in any one fixed window (worst case), so at
  // most limit * (windows + 1) overall.
  EXPECT_LE(window_admitted.load(), static_cast<int64_t>(100 * (elapsed / 0.05 + 2)));
  EXPECT_GT(bucket_admitted.load(), 100);
}

}  // namespace
}  // namespace micro::governance

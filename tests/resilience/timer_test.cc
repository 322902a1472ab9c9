// runtime::Timer: ordering, cancellation and shutdown.
#include <micro/runtime/timer.h>

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <vector>

#include "support/wait.h"

namespace micro::runtime {
namespace {

using namespace std::chrono_literals;
using testing::WaitFor;

TEST(Timer, RunsTasksInDueOrder) {
  Timer timer;
  std::mutex mu;
  std::vector<int> order;
  auto record = [&](int i) {
    return [&, i] {
      std::lock_guard lock(mu);
      order.push_back(i);
    };
  };
  timer.After(30ms, record(3));
  timer.After(10ms, record(2));
  timer.After(0ms, record(1));
  ASSERT_TRUE(WaitFor([&] {
    std::lock_guard lock(mu);
    return order.size() == 3;
  }));
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST(Timer, CancelledTaskNeverRuns) {
  Timer timer;
  std::atomic<int> ran{0};
  auto id = timer.After(10s, [&] { ran++; });
  EXPECT_NE(id, 0u);
  EXPECT_TRUE(timer.Cancel(id));
  EXPECT_FALSE(timer.Cancel(id));
  EXPECT_EQ(timer.pending(), 0u);
  auto later = timer.After(1ms, [&] { ran += 10; });
  ASSERT_TRUE(WaitFor([&] { return ran.load() == 10; }));
  EXPECT_FALSE(timer.Cancel(later));  // already ran
}

TEST(Timer, ShutdownDestroysPendingTasksAndRefusesNewOnes) {
  auto timer = std::make_unique<Timer>();
  auto token = std::make_shared<int>(1);
  std::weak_ptr<int> watch = token;
  timer->After(1h, [token] {});
  token.reset();
  EXPECT_FALSE(watch.expired());
  timer->Shutdown();
  EXPECT_TRUE(watch.expired());
  EXPECT_EQ(timer->After(0ms, [] {}), 0u);
  timer->Shutdown();  // idempotent
  timer.reset();
}

TEST(Timer, TasksMayScheduleAndCancelFromTheTimerThread) {
  Timer timer;
  std::atomic<bool> second{false};
  timer.After(0ms, [&] {
    auto id = timer.After(1h, [] {});
    EXPECT_TRUE(timer.Cancel(id));
    timer.After(1ms, [&] { second = true; });
  });
  ASSERT_TRUE(WaitFor([&] { return second.load(); }));
}

}  // namespace
}  // namespace micro::runtime

namespace micro::runtime {
namespace {

TEST(Timer, AReservedIdCancelledBeforeItIsScheduledNeverRuns) {
  Timer timer;
  std::atomic<int> ran{0};
  Timer::Id id = timer.Reserve();
  ASSERT_NE(id, 0u);
  EXPECT_TRUE(timer.Cancel(id));
  EXPECT_FALSE(timer.Schedule(id, std::chrono::milliseconds(0), [&] { ran++; }));
  Timer::Id other = timer.Reserve();
  EXPECT_TRUE(timer.Schedule(other, std::chrono::milliseconds(0), [&] { ran += 10; }));
  ASSERT_TRUE(testing::WaitFor([&] { return ran.load() == 10; }));
  timer.Shutdown();
  EXPECT_EQ(timer.Reserve(), 0u);
}

}  // namespace
}  // namespace micro::runtime

// Bulkhead: at most max_concurrent calls of a method at once; a bounded wait when allowed.
#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include <gtest/gtest.h>

#include <micro/governance/bulkhead.h>

#include "limit/call_helpers.h"
#include "support/wait.h"

namespace micro::governance {
namespace {

using std::chrono::milliseconds;
using testing::Call;
using testing::ChainOf;
using testing::MakeMethod;

TEST(BulkheadTest, LimitsConcurrency) {
  Bulkhead bulkhead({.max_concurrent = 2});
  EXPECT_TRUE(bulkhead.TryEnter());
  EXPECT_TRUE(bulkhead.TryEnter());
  EXPECT_FALSE(bulkhead.TryEnter());
  EXPECT_FALSE(bulkhead.Enter());  // no wait configured
  EXPECT_EQ(bulkhead.in_flight(), 2);
  bulkhead.Leave();
  EXPECT_TRUE(bulkhead.TryEnter());
  bulkhead.Leave();
  bulkhead.Leave();
  EXPECT_EQ(bulkhead.in_flight(), 0);
}

TEST(BulkheadTest, BoundedWaitGetsTheNextFreeSlot) {
  Bulkhead bulkhead({.max_concurrent = 1, .max_wait = std::chrono::seconds(10)});
  ASSERT_TRUE(bulkhead.TryEnter());
  auto waiter = std::async(std::launch::async, [&] { return bulkhead.Enter(); });
  EXPECT_EQ(waiter.wait_for(milliseconds(20)), std::future_status::timeout);
  bulkhead.Leave();
  EXPECT_TRUE(waiter.get());
  EXPECT_EQ(bulkhead.in_flight(), 1);
  bulkhead.Leave();
}

TEST(BulkheadTest, WaitIsBoundedInTimeAndInWaiters) {
  Bulkhead bulkhead({.max_concurrent = 1, .max_wait = milliseconds(30), .max_waiting = 1});
  ASSERT_TRUE(bulkhead.TryEnter());
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(bulkhead.Enter());
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(30));
  bulkhead.Leave();

  // One waiter at a time: a second one is turned away at once.
  Bulkhead queue({.max_concurrent = 1, .max_wait = std::chrono::seconds(10), .max_waiting = 1});
  ASSERT_TRUE(queue.TryEnter());
  auto first = std::async(std::launch::async, [&] { return queue.Enter(); });
  ASSERT_TRUE(micro::testing::WaitFor([&] { return queue.waiting() == 1; }));
  start = std::chrono::steady_clock::now();
  EXPECT_FALSE(queue.Enter());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  queue.Leave();
  EXPECT_TRUE(first.get());
  queue.Leave();
  EXPECT_TRUE(
      BulkheadOptions{.max_concurrent = 0}.Validate().message().starts_with("max_concurrent:"));
}

TEST(BulkheadInterceptorTest, RejectsWhenTheMethodIsFull) {
  const server::Method slow = MakeMethod("shop.Report", "Build");
  const server::Method other = MakeMethod("shop.Report", "List");
  auto bulkheads = BulkheadInterceptor::Create(
      {{.method = "/shop.Report/Build", .bulkhead = {.max_concurrent = 2}}});
  ASSERT_TRUE(bulkheads.ok()) << bulkheads.status();
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> running{0};
  auto chain = ChainOf(*bulkheads, [&] {
    running.fetch_add(1);
    released.wait();
    return Status::Ok();
  });
  auto a = std::async(std::launch::async, [&] { return Call(chain, slow); });
  auto b = std::async(std::launch::async, [&] { return Call(chain, slow); });
  ASSERT_TRUE(micro::testing::WaitFor([&] { return running.load() == 2; }));
  EXPECT_EQ((*bulkheads)->InFlight("/shop.Report/Build"), 2);
  Status third = Call(chain, slow);
  EXPECT_EQ(third.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(third.message(), "too many concurrent calls to /shop.Report/Build");
  release.set_value();
  EXPECT_TRUE(a.get().ok());
  EXPECT_TRUE(b.get().ok());
  EXPECT_EQ((*bulkheads)->InFlight("/shop.Report/Build"), 0);
  EXPECT_TRUE(Call(chain, slow).ok());
  EXPECT_TRUE(Call(chain, other).ok());  // no rule: no bulkhead
}

TEST(BulkheadInterceptorTest, BlockingMethodsWaitNonBlockingDoNot) {
  const server::Method blocking = MakeMethod("svc.S", "Blocking");
  const server::Method inline_method =
      MakeMethod("svc.S", "Inline", server::Execution::kNonBlocking);
  auto bulkheads = BulkheadInterceptor::Create(
      {{.method = "*", .bulkhead = {.max_concurrent = 1, .max_wait = std::chrono::seconds(10)}}});
  ASSERT_TRUE(bulkheads.ok());
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> running{0};
  auto chain = ChainOf(*bulkheads, [&] {
    if (running.fetch_add(1) == 0) released.wait();
    return Status::Ok();
  });
  auto holder = std::async(std::launch::async, [&] { return Call(chain, blocking); });
  ASSERT_TRUE(micro::testing::WaitFor([&] { return running.load() == 1; }));
  auto waiter = std::async(std::launch::async, [&] { return Call(chain, blocking); });
  // Another method has its own bulkhead; a non-blocking one never waits for a slot.
  auto inline_holder = std::async(std::launch::async, [&] { return Call(chain, inline_method); });
  EXPECT_TRUE(inline_holder.get().ok());
  EXPECT_EQ(waiter.wait_for(milliseconds(20)), std::future_status::timeout);
  release.set_value();
  EXPECT_TRUE(holder.get().ok());
  EXPECT_TRUE(waiter.get().ok());
}

TEST(BulkheadInterceptorTest, HandlerThatThrowsStillLeaves) {
  const server::Method m = MakeMethod("svc.S", "Throws");
  auto bulkheads = BulkheadInterceptor::Create({{.bulkhead = {.max_concurrent = 1}}});
  ASSERT_TRUE(bulkheads.ok());
  auto chain = ChainOf(*bulkheads, []() -> Status { throw std::runtime_error("boom"); });
  EXPECT_THROW((void)Call(chain, m), std::runtime_error);
  EXPECT_EQ((*bulkheads)->InFlight("/svc.S/Throws"), 0);
}

TEST(BulkheadInterceptorTest, InvalidRuleNamesTheField) {
  auto bad = BulkheadInterceptor::Create({{.method = "x", .bulkhead = {}}});
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(bad.status().message().starts_with("rules[0].method:")) << bad.status();
  bad = BulkheadInterceptor::Create({{.bulkhead = {.max_wait = milliseconds(-1)}}});
  EXPECT_TRUE(bad.status().message().starts_with("rules[0].bulkhead.max_wait:"));
}

}  // namespace
}  // namespace micro::governance

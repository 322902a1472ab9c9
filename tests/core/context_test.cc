#include <micro/core/context.h>

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

namespace micro {
namespace {

using namespace std::chrono_literals;

TEST(Metadata, KeysAreCaseInsensitiveAndSetReplaces) {
  Metadata md;
  md.Add("X-User", "alice");
  md.Add("x-user", "bob");
  EXPECT_EQ(md.Get("X-USER").value(), "alice");
  md.Set("x-user", "carol");
  EXPECT_EQ(md.size(), 1u);
  EXPECT_EQ(md.Get("x-user").value(), "carol");
  md.Remove("X-User");
  EXPECT_FALSE(md.Get("x-user").has_value());
}

TEST(Metadata, HopByHopKeys) {
  EXPECT_TRUE(Metadata::IsHopByHop("content-type"));
  EXPECT_TRUE(Metadata::IsHopByHop("grpc-timeout"));
  EXPECT_TRUE(Metadata::IsHopByHop(":authority"));
  EXPECT_FALSE(Metadata::IsHopByHop("x-request-id"));
  EXPECT_FALSE(Metadata::IsHopByHop("traceparent"));
}

TEST(Context, NoDeadlineByDefault) {
  Context ctx;
  EXPECT_FALSE(ctx.has_deadline());
  EXPECT_FALSE(ctx.Expired());
  EXPECT_GT(ctx.Remaining(), std::chrono::hours(1));
}

TEST(Context, TimeoutAndShorten) {
  Context ctx = Context::WithTimeout(10s);
  EXPECT_TRUE(ctx.has_deadline());
  EXPECT_LE(ctx.Remaining(), 10s);
  EXPECT_GT(ctx.Remaining(), 9s);
  auto later = ctx.deadline() + 5s;
  ctx.ShortenDeadline(later);
  EXPECT_LT(ctx.deadline(), later);
  ctx.ShortenDeadline(Context::Clock::now() - 1ms);
  EXPECT_TRUE(ctx.Expired());
  EXPECT_EQ(ctx.Remaining(), std::chrono::nanoseconds(0));
}

TEST(Context, ChildInheritsDeadlineMetadataAndCancellation) {
  Context parent = Context::WithTimeout(5s);
  parent.metadata().Set("x-lane", "canary");
  Context child = parent.Child();
  EXPECT_EQ(child.deadline(), parent.deadline());
  EXPECT_EQ(child.metadata().Get("x-lane").value(), "canary");

  std::atomic<int> fired{0};
  child.OnCancel([&] { fired++; });
  EXPECT_FALSE(child.cancelled());
  parent.Cancel();
  EXPECT_TRUE(child.cancelled());
  EXPECT_EQ(fired.load(), 1);
  parent.Cancel();  // idempotent
  EXPECT_EQ(fired.load(), 1);
}

TEST(Context, CancellingChildLeavesParentAlone) {
  Context parent;
  Context child = parent.Child();
  child.Cancel();
  EXPECT_TRUE(child.cancelled());
  EXPECT_FALSE(parent.cancelled());
}

TEST(Context, OnCancelAfterCancelRunsAtOnceAndRemoveWorks) {
  Context ctx;
  int n = 0;
  uint64_t h = ctx.OnCancel([&] { n += 10; });
  ctx.RemoveOnCancel(h);
  ctx.Cancel();
  EXPECT_EQ(n, 0);
  ctx.OnCancel([&] { n++; });
  EXPECT_EQ(n, 1);
  Context child = ctx.Child();
  EXPECT_TRUE(child.cancelled());
}

TEST(Context, CancelFromAnotherThread) {
  Context ctx;
  std::atomic<bool> seen{false};
  ctx.OnCancel([&] { seen = true; });
  std::thread t([&] { ctx.Cancel(); });
  t.join();
  EXPECT_TRUE(seen.load());
  EXPECT_TRUE(ctx.cancelled());
}

}  // namespace
}  // namespace micro

// RateLimitInterceptor: rules per method, caller and IP on a chain, with a ManualClock.
#include <chrono>

#include <gtest/gtest.h>

#include <micro/core/clock.h>
#include <micro/governance/rate_limit.h>

#include "limit/call_helpers.h"

namespace micro::governance {
namespace {

using std::chrono::seconds;
using testing::Call;
using testing::ChainOf;
using testing::MakeMethod;

const server::Method kCreate = MakeMethod("shop.Order", "Create");
const server::Method kGet = MakeMethod("shop.Order", "Get");
const server::Method kPing = MakeMethod("shop.Health", "Ping");

TokenBucketOptions Burst(int64_t n) { return {.rate = 1, .burst = n}; }

TEST(RateLimitInterceptorTest, PerMethodRejectsWithResourceExhausted) {
  ManualClock clock;
  auto limits = RateLimitInterceptor::Create(
      {{.method = "/shop.Order/*", .by = LimitBy::kMethod, .limiter = Burst(2)}}, clock);
  ASSERT_TRUE(limits.ok()) << limits.status();
  auto chain = ChainOf(*limits);
  EXPECT_TRUE(Call(chain, kCreate).ok());
  EXPECT_TRUE(Call(chain, kCreate).ok());
  Status s = Call(chain, kCreate);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(s.message(), "rate limit exceeded for /shop.Order/Create");
  EXPECT_EQ(HttpStatusFromCode(s.code()), 429);
  // Each method its own limiter; unmatched methods are not limited.
  EXPECT_TRUE(Call(chain, kGet).ok());
  EXPECT_TRUE(Call(chain, kGet).ok());
  EXPECT_FALSE(Call(chain, kGet).ok());
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(Call(chain, kPing).ok());
  clock.Advance(seconds(1));
  EXPECT_TRUE(Call(chain, kCreate).ok());
}

TEST(RateLimitInterceptorTest, AllSharesOneLimiter) {
  ManualClock clock;
  auto limits = RateLimitInterceptor::Create(
      {{.method = "*", .by = LimitBy::kAll, .limiter = Burst(3)}}, clock);
  ASSERT_TRUE(limits.ok());
  auto chain = ChainOf(*limits);
  EXPECT_TRUE(Call(chain, kCreate).ok());
  EXPECT_TRUE(Call(chain, kGet).ok());
  EXPECT_TRUE(Call(chain, kPing).ok());
  EXPECT_FALSE(Call(chain, kGet).ok());
}

TEST(RateLimitInterceptorTest, PerCaller) {
  ManualClock clock;
  auto limits = RateLimitInterceptor::Create({{.method = "/shop.Order/Create",
                                               .by = LimitBy::kCaller,
                                               .caller_key = "x-user",
                                               .limiter = Burst(1)}},
                                             clock);
  ASSERT_TRUE(limits.ok());
  auto chain = ChainOf(*limits);
  EXPECT_TRUE(Call(chain, kCreate, "1.1.1.1:1", {{"x-user", "alice"}}).ok());
  EXPECT_FALSE(Call(chain, kCreate, "2.2.2.2:2", {{"x-user", "alice"}}).ok());
  EXPECT_TRUE(Call(chain, kCreate, "1.1.1.1:1", {{"x-user", "bob"}}).ok());
  // Callers without the key share the anonymous bucket.
  EXPECT_TRUE(Call(chain, kCreate).ok());
  EXPECT_FALSE(Call(chain, kCreate).ok());
}

TEST(RateLimitInterceptorTest, PerIpAcrossPortsAndPerMethod) {
  ManualClock clock;
  auto limits = RateLimitInterceptor::Create(
      {{.method = "*", .by = LimitBy::kIp, .per_method = true, .limiter = Burst(1)}}, clock);
  ASSERT_TRUE(limits.ok());
  auto chain = ChainOf(*limits);
  EXPECT_TRUE(Call(chain, kCreate, "10.0.0.1:5000").ok());
  EXPECT_FALSE(Call(chain, kCreate, "10.0.0.1:6000").ok());  // same IP, other port
  EXPECT_TRUE(Call(chain, kGet, "10.0.0.1:6000").ok());      // same IP, other method
  EXPECT_TRUE(Call(chain, kCreate, "10.0.0.2:5000").ok());   // other IP
  EXPECT_TRUE(Call(chain, kCreate, "[::1]:5000").ok());
  EXPECT_FALSE(Call(chain, kCreate, "[::1]:5001").ok());
}

TEST(RateLimitInterceptorTest, IpFromTrustedMetadata) {
  ManualClock clock;
  auto limits = RateLimitInterceptor::Create({{.method = "*",
                                               .by = LimitBy::kIp,
                                               .ip_metadata_key = "x-forwarded-for",
                                               .limiter = Burst(1)}},
                                             clock);
  ASSERT_TRUE(limits.ok());
  auto chain = ChainOf(*limits);
  // Behind one gateway address, clients are told apart by the first forwarded address.
  EXPECT_TRUE(Call(chain, kGet, "10.9.9.9:1", {{"x-forwarded-for", "1.2.3.4, 10.9.9.9"}}).ok());
  EXPECT_FALSE(Call(chain, kGet, "10.9.9.9:2", {{"x-forwarded-for", "1.2.3.4"}}).ok());
  EXPECT_TRUE(Call(chain, kGet, "10.9.9.9:3", {{"x-forwarded-for", "5.6.7.8"}}).ok());
  EXPECT_TRUE(Call(chain, kGet, "10.9.9.9:3").ok());  // no header: the peer's IP
}

TEST(RateLimitInterceptorTest, EveryMatchingRuleMustAdmit) {
  ManualClock clock;
  auto limits = RateLimitInterceptor::Create(
      {{.method = "*", .by = LimitBy::kIp, .limiter = Burst(5)},
       {.method = "/shop.Order/Create", .by = LimitBy::kMethod, .limiter = Burst(1)}},
      clock);
  ASSERT_TRUE(limits.ok());
  auto chain = ChainOf(*limits);
  EXPECT_TRUE(Call(chain, kCreate).ok());
  EXPECT_FALSE(Call(chain, kCreate).ok());  // the method's limit
  EXPECT_TRUE(Call(chain, kGet).ok());
  EXPECT_TRUE(Call(chain, kGet).ok());
  EXPECT_TRUE(Call(chain, kGet).ok());
  EXPECT_FALSE(Call(chain, kGet).ok());  // the IP's limit (5 taken, counting the rejected one)
}

TEST(RateLimitInterceptorTest, UpdateKeepsUnchangedRulesCounts) {
  ManualClock clock;
  RateLimitRule keep{.method = "/shop.Order/Create", .limiter = Burst(1)};
  RateLimitRule change{.method = "/shop.Order/Get", .limiter = Burst(1)};
  auto limits = RateLimitInterceptor::Create({keep, change}, clock);
  ASSERT_TRUE(limits.ok());
  auto chain = ChainOf(*limits);
  EXPECT_TRUE(Call(chain, kCreate).ok());
  EXPECT_TRUE(Call(chain, kGet).ok());
  change.limiter = Burst(3);
  ASSERT_TRUE((*limits)->Update({keep, change}).ok());
  EXPECT_FALSE(Call(chain, kCreate).ok());  // still spent
  EXPECT_TRUE(Call(chain, kGet).ok());      // fresh limiter of 3
  EXPECT_TRUE(Call(chain, kGet).ok());
  EXPECT_TRUE(Call(chain, kGet).ok());
  EXPECT_FALSE(Call(chain, kGet).ok());
  ASSERT_TRUE((*limits)->Update({}).ok());
  EXPECT_TRUE(Call(chain, kCreate).ok());
}

TEST(RateLimitInterceptorTest, InvalidRulesNameTheField) {
  auto bad = RateLimitInterceptor::Create(
      {{}, {.method = "*", .limiter = SlidingWindowOptions{.limit = 0}}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(bad.status().message().starts_with("rules[1].limiter.limit:")) << bad.status();
  EXPECT_TRUE(RateLimitRule{.method = "Order/Create"}.Validate().message().starts_with("method:"));
  EXPECT_TRUE(RateLimitRule{.method = "/shop.Order/"}.Validate().message().starts_with("method:"));
  RateLimitRule no_key{.by = LimitBy::kCaller, .caller_key = ""};
  EXPECT_TRUE(no_key.Validate().message().starts_with("caller_key:"));
  auto good = RateLimitInterceptor::Create({});
  ASSERT_TRUE(good.ok());
  EXPECT_FALSE((*good)->Update({{.max_keys = 1}}).ok());
}

TEST(RateLimitInterceptorTest, SharedLimiterBuiltElsewhere) {
  ManualClock clock;
  // Stands in for a RedisLimiter: any Limiter, shared by every call the rule matches.
  auto global = std::make_shared<TokenBucket>(Burst(2), clock);
  auto limits = RateLimitInterceptor::Create(
      {{.method = "/shop.Order/*", .by = LimitBy::kAll, .shared_limiter = global}}, clock);
  ASSERT_TRUE(limits.ok()) << limits.status();
  auto chain = ChainOf(*limits);
  EXPECT_TRUE(Call(chain, kCreate).ok());
  EXPECT_TRUE(Call(chain, kGet).ok());
  EXPECT_EQ(Call(chain, kCreate).code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(global->Available(), 0);
  EXPECT_TRUE(Call(chain, kPing).ok());
  auto bad = RateLimitInterceptor::Create({{.by = LimitBy::kIp, .shared_limiter = global}});
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(bad.status().message().starts_with("rules[0].shared_limiter:")) << bad.status();
}

TEST(RateLimitInterceptorTest, PeerIp) {
  EXPECT_EQ(RateLimitInterceptor::PeerIp("10.0.0.1:5000"), "10.0.0.1");
  EXPECT_EQ(RateLimitInterceptor::PeerIp("[::1]:80"), "::1");
  EXPECT_EQ(RateLimitInterceptor::PeerIp("ipv4:127.0.0.1:9"), "127.0.0.1");
  EXPECT_EQ(RateLimitInterceptor::PeerIp("ipv6:[fe80::1]:9"), "fe80::1");
  EXPECT_EQ(RateLimitInterceptor::PeerIp("fe80::1"), "fe80::1");
  EXPECT_EQ(RateLimitInterceptor::PeerIp("10.0.0.1"), "10.0.0.1");
  EXPECT_EQ(RateLimitInterceptor::PeerIp(""), "");
}

}  // namespace
}  // namespace micro::governance

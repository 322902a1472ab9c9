// RateLimitInterceptor: rate limits on a server, as rules. Each rule picks calls by method
// and counts them per method, per caller (a metadata key), per client IP, or all together.
// Every rule that matches a call must admit it; the first that does not ends the call with
// RESOURCE_EXHAUSTED "rate limit exceeded for <method path>" (HTTP 429).
//
//   using namespace micro::governance;
//   auto limits = RateLimitInterceptor::Create({
//       {.method = "*", .by = LimitBy::kIp,
//        .limiter = TokenBucketOptions{.rate = 50, .burst = 100}},
//       {.method = "/shop.Order/Create", .by = LimitBy::kCaller, .caller_key = "x-user-id",
//        .limiter = SlidingWindowOptions{.limit = 10, .window = std::chrono::seconds(1)}},
//   });
//   if (!limits.ok()) return limits.status();   // names the rule and field at fault
//   server.Use(*limits);
//   ...
//   (*limits)->Update(new_rules);   // hot reload; unchanged rules keep their counters
//
//   // one limit for the whole service, across replicas (see redis_limiter.h):
//   std::shared_ptr<Limiter> global = RedisLimiter::Create({.key = "orders", .rate =
//   1000}).value();
//   {.method = "/shop.Order/*", .by = LimitBy::kAll, .shared_limiter = global}
//
// Thread-safety: Intercept and Update may run concurrently from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <micro/core/clock.h>
#include <micro/core/result.h>
#include <micro/governance/limiter.h>
#include <micro/server/middleware.h>

namespace micro::governance {

class GovernanceMetrics;

enum class LimitBy {
  kMethod,  // one limiter per method the rule matches
  kCaller,  // one per value of the metadata key `caller_key` (absent: the "" caller)
  kIp,      // one per client IP (from ctx.peer(), "ip:port")
  kAll,     // one shared by every call the rule matches
};

struct RateLimitRule {
  // "*" (every method), "/pkg.Service/*" (a service) or "/pkg.Service/Method".
  std::string method = "*";
  LimitBy by = LimitBy::kMethod;
  std::string caller_key = "x-caller";  // for kCaller; lower-case
  // kCaller / kIp: count each (key, method) pair apart instead of each key across methods.
  bool per_method = false;
  // kIp: take the IP from this metadata key when present (first entry of a comma list, as in
  // "x-forwarded-for"); empty = always the peer. Set it only behind a proxy you trust: a
  // client can write any metadata.
  std::string ip_metadata_key;
  LimiterConfig limiter = TokenBucketOptions{};
  // A limiter built elsewhere and used as-is instead of `limiter` — typically a RedisLimiter
  // for a limit shared by every replica. Only with by = kAll (one limiter for the rule).
  std::shared_ptr<Limiter> shared_limiter;
  size_t max_keys = 10000;  // kCaller / kIp: keys remembered (see KeyedLimiter)
  std::chrono::nanoseconds idle_timeout = std::chrono::minutes(10);

  // INVALID_ARGUMENT naming the field ("method", "caller_key", "limiter.rate", ...).
  Status Validate() const;
  bool operator==(const RateLimitRule&) const = default;
};

class RateLimitInterceptor final : public server::Interceptor {
 public:
  // Fails (naming "rules[i].<field>") when a rule is invalid.
  static Result<std::shared_ptr<RateLimitInterceptor>> Create(std::vector<RateLimitRule> rules,
                                                              const Clock& clock = Clock::Real());
  ~RateLimitInterceptor() override;

  // Replaces the rules. A rule equal to one already installed keeps its limiters (and so its
  // counts); others start fresh. On error nothing changes.
  Status Update(std::vector<RateLimitRule> rules);

  // The IP part of a peer address: "10.0.0.1:5000" -> "10.0.0.1", "[::1]:80" -> "::1".
  static std::string_view PeerIp(std::string_view peer);

  // Counts rejections by method (metrics.h). Once, before the first call.
  void SetMetrics(std::shared_ptr<GovernanceMetrics> metrics) { metrics_ = std::move(metrics); }

  // server::Interceptor
  Status Intercept(Context& ctx, const server::CallInfo& call, server::Next next) override;

  struct State;

 private:
  explicit RateLimitInterceptor(const Clock& clock);
  const Clock& clock_;
  std::shared_ptr<GovernanceMetrics> metrics_;
  std::mutex update_mu_;  // one Update at a time
  std::atomic<std::shared_ptr<const State>> state_;
};

}  // namespace micro::governance

// MethodBreakerInterceptor: a circuit breaker per (service, method), as a call-level
// client interceptor. While a method's breaker is open, calls to it fail at once with
// UNAVAILABLE "circuit open for <method>" and nothing is sent.
//
//   auto breakers = std::make_shared<micro::governance::MethodBreakerInterceptor>(
//       BreakerRules({.kind = BreakerKind::kHystrix}),
//       [](std::string_view name, BreakerState from, BreakerState to) { log(...); });
//   client.Use(breakers);   // before the RetryInterceptor: it then judges whole calls
//
// Breakers are created on a method's first call, from the rule that matches it
// (PolicyRules: method path, then service, then default); a breaker is named
// "<service><method>", e.g. "inventory/shop.Inventory/Reserve". A call that ends CANCELLED
// because its own Context was cancelled counts as nothing. Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include <functional>

#include <micro/client/interceptor.h>
#include <micro/governance/breaker.h>
#include <micro/governance/policy_rules.h>

namespace micro::governance {

class GovernanceMetrics;

using BreakerRules = PolicyRules<BreakerOptions>;

class MethodBreakerInterceptor : public client::ClientInterceptor {
 public:
  explicit MethodBreakerInterceptor(BreakerRules rules = BreakerRules(),
                                    BreakerListener listener = {},
                                    const Clock& clock = Clock::Real(),
                                    RandomFn random = DefaultRandom());
  ~MethodBreakerInterceptor() override;

  // Hot reload: every breaker starts afresh (closed) under the new rules.
  void SetRules(BreakerRules rules);
  // The state of one method's breaker; closed when it has none yet.
  BreakerState StateOf(std::string_view service, std::string_view method);

  // Counts transitions and rejections of the breakers created from now on (metrics.h).
  // Once, before the first call.
  void SetMetrics(std::shared_ptr<GovernanceMetrics> metrics) { metrics_ = std::move(metrics); }
  // Calls `fn` with every breaker's (service, method path, state), for metrics. Takes the
  // breakers' lock in shared mode: `fn` must not call this interceptor.
  void ForEachBreaker(
      const std::function<void(std::string_view, std::string_view, BreakerState)>& fn);

  // client::ClientInterceptor
  void Intercept(Context& ctx, client::ClientCall& call, client::ClientNext next,
                 client::Done done) override;

 private:
  struct Entry;
  std::shared_ptr<Entry> EntryFor(std::string_view service, std::string_view method);

  const BreakerListener listener_;
  const Clock& clock_;
  const RandomFn random_;
  std::shared_ptr<GovernanceMetrics> metrics_;
  std::shared_mutex mu_;
  std::shared_ptr<const BreakerRules> rules_;
  std::unordered_map<std::string, std::shared_ptr<Entry>> breakers_;
};

}  // namespace micro::governance

#include <micro/governance/method_breaker.h>

#include "governance/breaker/guarded_call.h"

namespace micro::governance {

struct MethodBreakerInterceptor::Entry : internal::GuardedBreaker {};

MethodBreakerInterceptor::MethodBreakerInterceptor(BreakerRules rules, BreakerListener listener,
                                                   const Clock& clock, RandomFn random)
    : listener_(std::move(listener)),
      clock_(clock),
      random_(random ? std::move(random) : DefaultRandom()),
      rules_(std::make_shared<const BreakerRules>(std::move(rules))) {}

MethodBreakerInterceptor::~MethodBreakerInterceptor() = default;

void MethodBreakerInterceptor::SetRules(BreakerRules rules) {
  auto next = std::make_shared<const BreakerRules>(std::move(rules));
  std::unordered_map<std::string, std::shared_ptr<Entry>> old;  // freed outside the lock
  std::unique_lock lock(mu_);
  rules_.swap(next);
  old.swap(breakers_);
}

std::shared_ptr<MethodBreakerInterceptor::Entry> MethodBreakerInterceptor::EntryFor(
    std::string_view service, std::string_view method) {
  thread_local std::string key;
  key.assign(service).append(method);
  {
    std::shared_lock lock(mu_);
    if (auto it = breakers_.find(key); it != breakers_.end()) return it->second;
  }
  std::unique_lock lock(mu_);
  auto& slot = breakers_[key];
  if (!slot) {
    const BreakerOptions& options = rules_->For(service, method);
    slot = std::make_shared<Entry>();
    slot->breaker = NewCircuitBreaker(options, key, listener_, clock_, random_);
    slot->failure_codes = options.failure_codes;
  }
  return slot;
}

BreakerState MethodBreakerInterceptor::StateOf(std::string_view service, std::string_view method) {
  std::string key = std::string(service).append(method);
  std::shared_lock lock(mu_);
  auto it = breakers_.find(key);
  return it == breakers_.end() ? BreakerState::kClosed : it->second->breaker->state();
}

void MethodBreakerInterceptor::Intercept(Context& ctx, client::ClientCall& call,
                                         client::ClientNext next, client::Done done) {
  internal::RunGuarded(EntryFor(call.service, call.method), clock_, ctx, call, std::move(next),
                       std::move(done),
                       [&call] { return "circuit open for " + std::string(call.method); });
}

}  // namespace micro::governance

#include <micro/governance/method_breaker.h>

#include <micro/governance/metrics.h>

#include "governance/breaker/guarded_call.h"

namespace micro::governance {

struct MethodBreakerInterceptor::Entry : internal::GuardedBreaker {
  size_t service_size = 0;  // the key is service + method
};

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
    slot->service_size = service.size();
    BreakerListener listener = listener_;
    if (metrics_) {
      slot->counters = metrics_->MethodBreaker(method);
      listener = [counters = slot->counters, user = listener_](std::string_view name,
                                                               BreakerState from, BreakerState to) {
        counters->Transition(to);
        if (user) user(name, from, to);
      };
    }
    slot->breaker = NewCircuitBreaker(options, key, std::move(listener), clock_, random_);
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

void MethodBreakerInterceptor::ForEachBreaker(
    const std::function<void(std::string_view, std::string_view, BreakerState)>& fn) {
  std::shared_lock lock(mu_);
  for (const auto& [key, entry] : breakers_) {
    std::string_view k = key;
    fn(k.substr(0, entry->service_size), k.substr(entry->service_size), entry->breaker->state());
  }
}

void MethodBreakerInterceptor::Intercept(Context& ctx, client::ClientCall& call,
                                         client::ClientNext next, client::Done done) {
  internal::RunGuarded(EntryFor(call.service, call.method), clock_, ctx, call, std::move(next),
                       std::move(done),
                       [&call] { return "circuit open for " + std::string(call.method); });
}

}  // namespace micro::governance

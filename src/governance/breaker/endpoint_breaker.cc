#include <micro/governance/endpoint_breaker.h>

#include <micro/governance/metrics.h>

#include "governance/breaker/guarded_call.h"

namespace micro::governance {
namespace {

void KeyOf(std::string& key, std::string_view service, std::string_view node_id) {
  key.assign(service).append("@").append(node_id);
}

}  // namespace

struct EndpointBreakers::Entry : internal::GuardedBreaker {
  size_t service_size = 0;  // the key is service + "@" + node id
};

EndpointBreakers::EndpointBreakers(BreakerRules rules, BreakerListener listener, const Clock& clock,
                                   RandomFn random)
    : listener_(std::move(listener)),
      clock_(clock),
      random_(random ? std::move(random) : DefaultRandom()),
      rules_(std::make_shared<const BreakerRules>(std::move(rules))) {}

EndpointBreakers::~EndpointBreakers() = default;

void EndpointBreakers::SetRules(BreakerRules rules) {
  auto next = std::make_shared<const BreakerRules>(std::move(rules));
  std::unordered_map<std::string, std::shared_ptr<Entry>> old;  // freed outside the lock
  std::unique_lock lock(mu_);
  rules_.swap(next);
  old.swap(breakers_);
  generation_.fetch_add(1);
  not_closed_.store(0);
}

std::shared_ptr<EndpointBreakers::Entry> EndpointBreakers::EntryFor(std::string_view service,
                                                                    std::string_view node_id) {
  thread_local std::string key;
  KeyOf(key, service, node_id);
  {
    std::shared_lock lock(mu_);
    if (auto it = breakers_.find(key); it != breakers_.end()) return it->second;
  }
  std::unique_lock lock(mu_);
  auto& slot = breakers_[key];
  if (!slot) {
    const BreakerOptions& options = rules_->For(service, {});
    slot = std::make_shared<Entry>();
    slot->service_size = service.size();
    if (metrics_) slot->counters = metrics_->EndpointBreaker(service, node_id);
    // Counts breakers that are not closed, for the filter's fast path, and transitions for
    // metrics, then tells the user's listener.
    BreakerListener counting = [this, generation = generation_.load(), user = listener_,
                                counters = slot->counters](std::string_view name, BreakerState from,
                                                           BreakerState to) {
      if (generation_.load() == generation) {
        if (from == BreakerState::kClosed) not_closed_.fetch_add(1);
        if (to == BreakerState::kClosed) not_closed_.fetch_sub(1);
      }
      if (counters) counters->Transition(to);
      if (user) user(name, from, to);
    };
    slot->breaker = NewCircuitBreaker(options, key, std::move(counting), clock_, random_);
    slot->failure_codes = options.failure_codes;
  }
  return slot;
}

BreakerState EndpointBreakers::StateOf(std::string_view service, std::string_view node_id) {
  std::string key;
  KeyOf(key, service, node_id);
  std::shared_lock lock(mu_);
  auto it = breakers_.find(key);
  return it == breakers_.end() ? BreakerState::kClosed : it->second->breaker->state();
}

void EndpointBreakers::ForEachBreaker(
    const std::function<void(std::string_view, std::string_view, BreakerState)>& fn) {
  std::shared_lock lock(mu_);
  for (const auto& [key, entry] : breakers_) {
    std::string_view k = key;
    fn(k.substr(0, entry->service_size), k.substr(entry->service_size + 1),
       entry->breaker->state());
  }
}

void EndpointBreakers::Intercept(Context& ctx, client::ClientCall& call, client::ClientNext next,
                                 client::Done done) {
  if (call.node == nullptr || call.service.empty()) return next(ctx, call, std::move(done));
  internal::RunGuarded(
      EntryFor(call.service, call.node->id), clock_, ctx, call, std::move(next), std::move(done),
      [&call] { return "circuit open for endpoint " + std::string(call.address); });
}

void EndpointBreakers::Filter(const Context& /*ctx*/, const selector::CallTarget& target,
                              selector::NodeSet& nodes) {
  if (not_closed_.load(std::memory_order_relaxed) <= 0) return;
  thread_local std::string key;
  std::shared_lock lock(mu_);
  nodes.KeepIf(
      [&](const registry::Node& node) {
        KeyOf(key, target.service, node.id);
        auto it = breakers_.find(key);
        return it == breakers_.end() || it->second->breaker->Accepting();
      },
      /*fallback_to_all=*/true);
}

}  // namespace micro::governance

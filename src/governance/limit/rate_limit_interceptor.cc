// RateLimitInterceptor: compiled rules behind an atomically swapped pointer, so hot reload
// never blocks a call and a call always sees one whole rule set.
#include <mutex>
#include <string>
#include <utility>

#include <micro/governance/metrics.h>
#include <micro/governance/rate_limit.h>

#include "governance/limit/method_table.h"

namespace micro::governance {

struct RateLimitInterceptor::State {
  struct Compiled {
    RateLimitRule rule;
    std::shared_ptr<KeyedLimiter> limiters;  // shared with the next State when unchanged
    Limiter* shared = nullptr;               // rule.shared_limiter, when set
  };
  std::vector<Compiled> rules;
};

namespace {

// Builds the limiter key of a call in a reused per-thread buffer (no allocation once warm).
std::string_view KeyFor(const RateLimitRule& rule, const Context& ctx, const server::Method& m) {
  thread_local std::string buffer;
  buffer.clear();
  auto append_method = [&] {
    buffer += '/';
    buffer += m.service;
    buffer += '/';
    buffer += m.name;
  };
  switch (rule.by) {
    case LimitBy::kAll:
      return {};
    case LimitBy::kMethod:
      append_method();
      return buffer;
    case LimitBy::kCaller:
      buffer += ctx.metadata().Get(rule.caller_key).value_or(std::string_view());
      break;
    case LimitBy::kIp: {
      std::string_view ip;
      if (!rule.ip_metadata_key.empty()) {
        if (auto forwarded = ctx.metadata().Get(rule.ip_metadata_key)) {
          ip = forwarded->substr(0, forwarded->find(','));
          while (!ip.empty() && ip.front() == ' ') ip.remove_prefix(1);
          while (!ip.empty() && ip.back() == ' ') ip.remove_suffix(1);
        }
      }
      if (ip.empty()) ip = RateLimitInterceptor::PeerIp(ctx.peer());
      buffer += ip;
      break;
    }
  }
  if (rule.per_method) {
    buffer += '\0';  // cannot occur in a method path, so keys never collide
    append_method();
  }
  return buffer;
}

}  // namespace

Status RateLimitRule::Validate() const {
  MICRO_RETURN_IF_ERROR(internal::ValidateMethodPattern(method, "method"));
  if (shared_limiter != nullptr && by != LimitBy::kAll) {
    return Status::InvalidArgument("shared_limiter: only with by = all (one limiter per rule)");
  }
  if (by == LimitBy::kCaller && caller_key.empty()) {
    return Status::InvalidArgument("caller_key: must not be empty when limiting by caller");
  }
  KeyedLimiterOptions keyed{.limiter = limiter, .max_keys = max_keys, .idle_timeout = idle_timeout};
  return keyed.Validate();
}

std::string_view RateLimitInterceptor::PeerIp(std::string_view peer) {
  // gRPC spells peers "ipv4:1.2.3.4:5" / "ipv6:[::1]:5"; micro transports give "ip:port".
  if (peer.starts_with("ipv4:") || peer.starts_with("ipv6:")) peer.remove_prefix(5);
  if (!peer.empty() && peer.front() == '[') {
    size_t close = peer.find(']');
    return close == std::string_view::npos ? peer.substr(1) : peer.substr(1, close - 1);
  }
  size_t colon = peer.rfind(':');
  // More than one colon and no brackets: a bare IPv6 address without a port.
  if (colon == std::string_view::npos || peer.find(':') != colon) return peer;
  return peer.substr(0, colon);
}

RateLimitInterceptor::RateLimitInterceptor(const Clock& clock) : clock_(clock) {}
RateLimitInterceptor::~RateLimitInterceptor() = default;

Result<std::shared_ptr<RateLimitInterceptor>> RateLimitInterceptor::Create(
    std::vector<RateLimitRule> rules, const Clock& clock) {
  std::shared_ptr<RateLimitInterceptor> interceptor(new RateLimitInterceptor(clock));
  MICRO_RETURN_IF_ERROR(interceptor->Update(std::move(rules)));
  return interceptor;
}

Status RateLimitInterceptor::Update(std::vector<RateLimitRule> rules) {
  for (size_t i = 0; i < rules.size(); ++i) {
    if (Status s = rules[i].Validate(); !s.ok()) {
      return Status::InvalidArgument("rules[" + std::to_string(i) + "]." + s.message());
    }
  }
  // Serialised so that each Update builds on the state the previous one installed.
  std::lock_guard lock(update_mu_);
  std::shared_ptr<const State> old = state_.load();
  auto next = std::make_shared<State>();
  for (RateLimitRule& rule : rules) {
    std::shared_ptr<KeyedLimiter> limiters;
    if (old) {
      for (const State::Compiled& c : old->rules) {
        if (c.rule == rule) limiters = c.limiters;
      }
    }
    if (!limiters && rule.shared_limiter == nullptr) {
      // kMethod and kAll keep few keys; the keyed map bounds them all the same.
      limiters =
          std::make_shared<KeyedLimiter>(KeyedLimiterOptions{.limiter = rule.limiter,
                                                             .max_keys = rule.max_keys,
                                                             .idle_timeout = rule.idle_timeout},
                                         clock_);
    }
    Limiter* shared = rule.shared_limiter.get();
    next->rules.push_back({std::move(rule), std::move(limiters), shared});
  }
  state_.store(std::move(next));
  return Status::Ok();
}

Status RateLimitInterceptor::Intercept(Context& ctx, const server::CallInfo& call,
                                       server::Next next) {
  std::shared_ptr<const State> state = state_.load();
  for (const State::Compiled& c : state->rules) {
    if (!internal::MethodMatches(c.rule.method, call.method)) continue;
    const bool admitted = c.shared != nullptr
                              ? c.shared->TryAcquire()
                              : c.limiters->TryAcquire(KeyFor(c.rule, ctx, call.method));
    if (!admitted) {
      if (metrics_) metrics_->Rejected(LimitPolicy::kRateLimit, call.method);
      return Status::ResourceExhausted("rate limit exceeded for " + call.method.Path());
    }
  }
  return next(ctx);
}

}  // namespace micro::governance

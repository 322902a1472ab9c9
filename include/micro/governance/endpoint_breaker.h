// EndpointBreakers: a circuit breaker per endpoint (service node), in two roles at once:
//   - an attempt-level client interceptor that asks the node's breaker before each
//     attempt (rejecting with UNAVAILABLE "circuit open for endpoint <address>" without
//     sending) and records the attempt's outcome;
//   - a RouteFilter that removes nodes whose breaker is open from a call's candidates, so
//     that the selector never picks them. When every candidate's breaker is open it keeps
//     them all, so that a breaker whose sleep window ended can send its half-open probe.
//
//   auto endpoints = std::make_shared<micro::governance::EndpointBreakers>(
//       BreakerRules({.kind = BreakerKind::kHystrix}), listener);
//   client.UseAttempt(endpoints);
//   client.AddRouteFilter(endpoints);
//
// Breakers are keyed by service and node id ("<service>@<node id>", the name listeners
// see) and created on a node's first attempt from the rule of its service (a node serves
// every method, so method-keyed rules do not apply here). Attempts to
// an explicit address (no registry node) pass through untouched. Thread-safe; the filter
// costs one atomic load while every breaker is closed.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include <micro/client/interceptor.h>
#include <micro/governance/breaker.h>
#include <micro/governance/method_breaker.h>
#include <micro/selector/route_filter.h>

namespace micro::governance {

class GovernanceMetrics;

class EndpointBreakers : public client::ClientInterceptor, public selector::RouteFilter {
 public:
  explicit EndpointBreakers(BreakerRules rules = BreakerRules(), BreakerListener listener = {},
                            const Clock& clock = Clock::Real(), RandomFn random = DefaultRandom());
  ~EndpointBreakers() override;

  // Hot reload: every breaker starts afresh (closed) under the new rules.
  void SetRules(BreakerRules rules);
  // The state of one node's breaker; closed when it has none yet.
  BreakerState StateOf(std::string_view service, std::string_view node_id);

  // Counts transitions and rejections of the breakers created from now on (metrics.h).
  // Once, before the first call.
  void SetMetrics(std::shared_ptr<GovernanceMetrics> metrics) { metrics_ = std::move(metrics); }
  // Calls `fn` with every breaker's (service, node id, state), for metrics. Takes the
  // breakers' lock in shared mode: `fn` must not call this object.
  void ForEachBreaker(
      const std::function<void(std::string_view, std::string_view, BreakerState)>& fn);

  // client::ClientInterceptor
  void Intercept(Context& ctx, client::ClientCall& call, client::ClientNext next,
                 client::Done done) override;

  // selector::RouteFilter
  void Filter(const Context& ctx, const selector::CallTarget& target,
              selector::NodeSet& nodes) override;

 private:
  struct Entry;
  std::shared_ptr<Entry> EntryFor(std::string_view service, std::string_view node_id);

  const BreakerListener listener_;
  const Clock& clock_;
  const RandomFn random_;
  std::shared_ptr<GovernanceMetrics> metrics_;
  // Breakers not closed right now, across all endpoints: the filter's fast path. Only
  // breakers of the current rules' generation adjust it.
  std::atomic<int64_t> not_closed_{0};
  std::atomic<uint64_t> generation_{0};
  std::shared_mutex mu_;
  std::shared_ptr<const BreakerRules> rules_;
  std::unordered_map<std::string, std::shared_ptr<Entry>> breakers_;
};

}  // namespace micro::governance

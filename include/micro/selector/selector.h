// Selector: picks the node a call goes to, among the candidate nodes of a service.
//
//   auto sel = micro::selector::SelectorPlugins().Create("round_robin");
//   auto node = (*sel)->Select(candidates, ctx);
//
// Before a selector picks, the client narrows the service's nodes with its RouteFilters
// (route_filter.h: lane, locality, version weights, ejected or already-tried nodes), so
// a selector only balances load among nodes that are all acceptable.
//
// One Selector instance serves one service (it may keep per-service state such as a
// round-robin cursor or latency averages). Select/OnStart/OnDone are called concurrently
// from any thread and must be thread-safe and cheap: they are on every call's path.
#pragma once

#include <chrono>
#include <memory>
#include <span>
#include <vector>

#include <micro/core/context.h>
#include <micro/core/plugin_table.h>
#include <micro/core/result.h>
#include <micro/registry/registry.h>

namespace micro::selector {

// The nodes a call may go to. The pointers stay valid for the whole call (and so for
// OnStart/OnDone), but not beyond: a selector that keeps per-node state keys it by
// Node::id, never by pointer.
using Candidates = std::span<const registry::Node* const>;

class Selector {
 public:
  virtual ~Selector() = default;
  // Returns one of `nodes` (non-empty). UNAVAILABLE when no node is acceptable.
  virtual Result<const registry::Node*> Select(Candidates nodes, const Context& ctx) = 0;
  // Feedback hooks for load-aware selectors; no-ops by default. Every OnStart is
  // followed by exactly one OnDone for the same node. A selector that overrides them
  // returns true from WantsFeedback(); for the others the client skips the bookkeeping
  // (timing the call, keeping the node alive until it ends).
  virtual bool WantsFeedback() const { return false; }
  virtual void OnStart(const registry::Node& /*node*/) {}
  virtual void OnDone(const registry::Node& /*node*/, const Status& /*status*/,
                      std::chrono::nanoseconds /*latency*/) {}
};

// Built-in selectors are registered by RegisterBuiltinSelectors().
PluginTable<Selector>& SelectorPlugins();
void RegisterBuiltinSelectors();

}  // namespace micro::selector

// Selector: picks the node a call goes to, among the live nodes of a service.
//
//   auto sel = micro::selector::SelectorPlugins().Create("round_robin");
//   auto node = (*sel)->Select(nodes, ctx);
//
// One Selector instance serves one service (it may keep per-service state such as a
// round-robin cursor). Select/OnStart/OnDone are called concurrently from any thread and
// must be thread-safe and cheap: they are on every call's path.
#pragma once

#include <chrono>
#include <memory>
#include <vector>

#include <micro/core/context.h>
#include <micro/core/plugin_table.h>
#include <micro/core/result.h>
#include <micro/registry/registry.h>

namespace micro::selector {

class Selector {
 public:
  virtual ~Selector() = default;
  // `nodes` is non-empty; the returned pointer points into it.
  // UNAVAILABLE when no node is acceptable.
  virtual Result<const registry::Node*> Select(const std::vector<registry::Node>& nodes,
                                               const Context& ctx) = 0;
  // Feedback hooks for load-aware selectors; no-ops by default.
  virtual void OnStart(const registry::Node& /*node*/) {}
  virtual void OnDone(const registry::Node& /*node*/, const Status& /*status*/,
                      std::chrono::nanoseconds /*latency*/) {}
};

// "round_robin" and "random" are registered by RegisterBuiltinSelectors().
PluginTable<Selector>& SelectorPlugins();
void RegisterBuiltinSelectors();

}  // namespace micro::selector

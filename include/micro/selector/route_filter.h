// RouteFilter: narrows the nodes a call may go to before the Selector balances among
// them. Filters express routing *rules* (this request belongs to the canary lane, prefer
// my zone, send 10% to v2, skip ejected nodes); selectors express load balancing.
//
//   class ZoneFirst : public micro::selector::RouteFilter {
//     void Filter(const micro::Context&, const CallTarget&, NodeSet& nodes) override {
//       nodes.KeepIf([&](const Node& n) { return n.metadata.at("zone") == zone_; },
//                    /*fallback_to_all=*/true);
//     }
//   };
//
// Filters run in the order they were added, on every call, from any thread: they must be
// thread-safe and cheap. A filter never empties the set unless the rule it enforces is
// strict (e.g. an explicit version pin); the client fails such a call with UNAVAILABLE.
#pragma once

#include <string_view>
#include <vector>

#include <micro/core/context.h>
#include <micro/registry/registry.h>
#include <micro/selector/selector.h>

namespace micro::selector {

// What the call is for, as far as routing cares.
struct CallTarget {
  std::string_view service;
  std::string_view method;  // "/package.Service/Method"
};

// The current candidate nodes of one call; a filter narrows it in place.
class NodeSet {
 public:
  explicit NodeSet(std::vector<const registry::Node*>& nodes) : nodes_(nodes) {}

  Candidates view() const { return nodes_; }
  size_t size() const { return nodes_.size(); }
  bool empty() const { return nodes_.empty(); }

  // Keeps the nodes for which keep(node) is true. When none would remain and
  // `fallback_to_all` is set, keeps the set unchanged instead. Returns whether any node
  // matched.
  template <typename Pred>
  bool KeepIf(Pred keep, bool fallback_to_all) {
    size_t matching = 0;
    for (const registry::Node* n : nodes_) matching += keep(*n) ? 1 : 0;
    if (matching == nodes_.size()) return true;
    if (matching == 0) {
      if (!fallback_to_all) nodes_.clear();
      return false;
    }
    std::erase_if(nodes_, [&](const registry::Node* n) { return !keep(*n); });
    return true;
  }

 private:
  std::vector<const registry::Node*>& nodes_;
};

class RouteFilter {
 public:
  virtual ~RouteFilter() = default;
  virtual void Filter(const Context& ctx, const CallTarget& target, NodeSet& nodes) = 0;
};

}  // namespace micro::selector

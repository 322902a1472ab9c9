#include <micro/selector/selector.h>

#include <mutex>

#include "selector/builtin.h"

namespace micro::selector {

PluginTable<Selector>& SelectorPlugins() {
  static auto* table = new PluginTable<Selector>("selector");
  return *table;
}

// Every built-in selector, in one list.
void RegisterBuiltinSelectors() {
  static std::once_flag once;
  std::call_once(once, [] {
    auto& t = SelectorPlugins();
    (void)t.Register("round_robin", NewRoundRobin);
    (void)t.Register("random", NewRandom);
    (void)t.Register("weighted_round_robin", WeightedRoundRobinFromUrl);
    (void)t.Register("least_request", LeastRequestFromUrl);
    (void)t.Register("p2c_ewma", P2cEwmaFromUrl);
    (void)t.Register("consistent_hash", ConsistentHashFromUrl);
  });
}

}  // namespace micro::selector

// LocalityFilter: same zone first. See include/micro/selector/filters.h.
#include <micro/selector/filters.h>

#include "selector/filters/node_labels.h"

namespace micro::selector {

LocalityFilter::LocalityFilter(LocalityFilterOptions options) : options_(std::move(options)) {}

void LocalityFilter::Filter(const Context& /*ctx*/, const CallTarget& /*target*/, NodeSet& nodes) {
  if (options_.zone.empty()) return;
  nodes.KeepIf(
      [&](const registry::Node& n) { return Label(n, options_.node_key) == options_.zone; },
      /*fallback_to_all=*/true);
}

}  // namespace micro::selector

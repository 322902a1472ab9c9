// LaneFilter: gray-release lanes. See include/micro/selector/filters.h.
#include <micro/selector/filters.h>

#include "selector/filters/node_labels.h"

namespace micro::selector {

LaneFilter::LaneFilter(LaneFilterOptions options) : options_(std::move(options)) {}

void LaneFilter::Filter(const Context& ctx, const CallTarget& /*target*/, NodeSet& nodes) {
  auto lane = ctx.metadata().Get(options_.request_key);
  if (lane && !lane->empty()) {
    std::string_view want = *lane;
    // A match narrows to the lane; no match leaves the set as it was, for the base lane.
    if (nodes.KeepIf([&](const registry::Node& n) { return Label(n, options_.node_key) == want; },
                     /*fallback_to_all=*/true)) {
      return;
    }
  }
  nodes.KeepIf([&](const registry::Node& n) { return Label(n, options_.node_key).empty(); },
               /*fallback_to_all=*/true);
}

}  // namespace micro::selector

// BuiltinRouteFilters: the built-in filters in their one correct order. See
// include/micro/selector/filters.h.
#include <micro/selector/filters.h>

namespace micro::selector {

std::vector<std::shared_ptr<RouteFilter>> BuiltinRouteFilters(const RoutingOptions& options) {
  std::vector<std::shared_ptr<RouteFilter>> filters;
  if (options.lanes) filters.push_back(std::make_shared<LaneFilter>());
  if (!options.version_weights.empty()) {
    filters.push_back(std::make_shared<VersionWeightsFilter>(
        VersionWeightsOptions{.weights = options.version_weights, .seed = options.seed}));
  }
  if (!options.zone.empty()) {
    filters.push_back(
        std::make_shared<LocalityFilter>(LocalityFilterOptions{.zone = options.zone}));
  }
  return filters;
}

}  // namespace micro::selector

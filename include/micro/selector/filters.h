// Built-in route filters: gray-release lanes, version-weighted canaries and zone
// locality. Each narrows the candidate nodes of a call (route_filter.h) before the
// selector balances load among what is left.
//
//   for (auto& f : BuiltinRouteFilters({.version_weights = {{"v1", 90}, {"v2", 10}},
//                                       .zone = "eu-west-1a"})) {
//     client.AddRouteFilter(f);
//   }
//
// or, one by one (custom keys):
//
//   client.AddRouteFilter(std::make_shared<LaneFilter>());                        // 1st
//   client.AddRouteFilter(std::make_shared<VersionWeightsFilter>(
//       VersionWeightsOptions{.weights = {{"v1", 90}, {"v2", 10}}}));             // 2nd
//   client.AddRouteFilter(std::make_shared<LocalityFilter>(
//       LocalityFilterOptions{.zone = "eu-west-1a"}));                            // 3rd
//
// Add them in this order — lane, then version, then locality: the lane says which release
// a request belongs to and overrides everything (a request in the canary lane ignores the
// version weights), the version weights split the remaining traffic between releases, and
// locality only then prefers the nearest of the nodes that may serve the request. Filters
// run in the order they are added.
//
// The node side is registry metadata: `lane` (absent or empty = the base lane), `zone`,
// and the node's version (registry::Node::version; metadata `version` when that is empty).
//
// Lane propagation: the request side of the lane is the Context metadata key
// `x-micro-lane`. Context metadata is forwarded to every downstream call made with the
// handler's Context (or a Child() of it), so one label set at the edge routes the whole
// call tree through the canary lane wherever a canary node exists, and through the base
// lane elsewhere; nothing beyond adding the LaneFilter is needed on each hop.
//
// Every filter is thread-safe (Filter is called concurrently from any thread), allocates
// nothing per call, and never empties the set: each rule falls back as documented below.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <micro/selector/route_filter.h>

namespace micro::selector {

class FastRand;  // src/selector/fast_rand.h

inline constexpr char kLaneKey[] = "x-micro-lane";

struct LaneFilterOptions {
  std::string request_key = kLaneKey;  // Context metadata key (lower-case)
  std::string node_key = "lane";       // registry::Node metadata key
};

// A request with lane L goes to the nodes whose lane is L; when there are none, to the
// base-lane nodes (no lane label, or an empty one). A request without a lane goes to the
// base-lane nodes. When there are no base-lane nodes either, the set is left unchanged.
class LaneFilter final : public RouteFilter {
 public:
  explicit LaneFilter(LaneFilterOptions options = {});
  // selector::RouteFilter
  void Filter(const Context& ctx, const CallTarget& target, NodeSet& nodes) override;

 private:
  const LaneFilterOptions options_;
};

struct LocalityFilterOptions {
  std::string zone;               // the client's zone; empty disables the filter
  std::string node_key = "zone";  // registry::Node metadata key
};

// Keeps the nodes in the client's zone; when there are none, all nodes.
class LocalityFilter final : public RouteFilter {
 public:
  explicit LocalityFilter(LocalityFilterOptions options);
  // selector::RouteFilter
  void Filter(const Context& ctx, const CallTarget& target, NodeSet& nodes) override;

 private:
  const LocalityFilterOptions options_;
};

struct VersionWeightsOptions {
  // Version -> relative weight, e.g. {{"v1", 90}, {"v2", 10}}. At most 64 versions.
  std::vector<std::pair<std::string, uint32_t>> weights;
  // A request carrying this Context metadata key (a lane) skips version weighting.
  std::string lane_key = kLaneKey;
  // Seed of the version pick; 0 seeds from std::random_device. Tests pass a seed.
  uint64_t seed = 0;
};

// Each call picks one version at random, in proportion to the weights of the listed
// versions that have nodes (weights are renormalized over those present: with only v2
// nodes up, v2 gets everything), and keeps that version's nodes. Nodes of unlisted
// versions, and of versions weighted 0, serve only when no listed version with a positive
// weight has a node; when there is no other node at all, the set is left unchanged.
class VersionWeightsFilter final : public RouteFilter {
 public:
  explicit VersionWeightsFilter(VersionWeightsOptions options);
  ~VersionWeightsFilter() override;
  // selector::RouteFilter
  void Filter(const Context& ctx, const CallTarget& target, NodeSet& nodes) override;

 private:
  // Index of `version` in weights_, or -1.
  int IndexOf(std::string_view version) const;

  std::vector<std::pair<std::string, uint32_t>> weights_;
  std::string lane_key_;
  std::unique_ptr<FastRand> rand_;
};

struct RoutingOptions {
  bool lanes = true;                                              // add a LaneFilter
  std::vector<std::pair<std::string, uint32_t>> version_weights;  // empty: no version filter
  std::string zone;                                               // empty: no locality filter
  uint64_t seed = 0;                                              // VersionWeightsOptions::seed
};
// The built-in filters that `options` asks for, in the order they must run (lane, version
// weights, locality), with default keys; add each to the client in this order.
std::vector<std::shared_ptr<RouteFilter>> BuiltinRouteFilters(const RoutingOptions& options);

}  // namespace micro::selector

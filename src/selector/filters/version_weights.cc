// VersionWeightsFilter: version-weighted canaries. See include/micro/selector/filters.h.
//
// One pass over the nodes marks which listed versions are present (a 64-bit mask), one
// random draw picks among them: no allocation, no lock.
#include <micro/selector/filters.h>

#include "selector/fast_rand.h"
#include "selector/filters/node_labels.h"

namespace micro::selector {

constexpr size_t kMaxVersions = 64;

VersionWeightsFilter::VersionWeightsFilter(VersionWeightsOptions options)
    : weights_(std::move(options.weights)),
      lane_key_(std::move(options.lane_key)),
      rand_(std::make_unique<FastRand>(options.seed)) {
  if (weights_.size() > kMaxVersions) weights_.resize(kMaxVersions);
}

VersionWeightsFilter::~VersionWeightsFilter() = default;

int VersionWeightsFilter::IndexOf(std::string_view version) const {
  for (size_t i = 0; i < weights_.size(); ++i) {
    if (weights_[i].first == version) return static_cast<int>(i);
  }
  return -1;
}

void VersionWeightsFilter::Filter(const Context& ctx, const CallTarget& /*target*/,
                                  NodeSet& nodes) {
  if (weights_.empty()) return;
  if (!lane_key_.empty()) {
    auto lane = ctx.metadata().Get(lane_key_);
    if (lane && !lane->empty()) return;  // the lane decides, not the weights
  }
  auto index_of = [&](const registry::Node& n) { return IndexOf(VersionOf(n)); };
  uint64_t present = 0;
  for (const registry::Node* n : nodes.view()) {
    int i = index_of(*n);
    if (i >= 0 && weights_[static_cast<size_t>(i)].second > 0) present |= uint64_t{1} << i;
  }
  if (present == 0) {
    // No listed version may serve: prefer unlisted versions over drained (weight 0) ones.
    nodes.KeepIf([&](const registry::Node& n) { return index_of(n) < 0; },
                 /*fallback_to_all=*/true);
    return;
  }
  uint64_t total = 0;
  for (size_t i = 0; i < weights_.size(); ++i) {
    if (present & (uint64_t{1} << i)) total += weights_[i].second;
  }
  uint64_t r = rand_->Below(total);
  int chosen = -1;
  for (size_t i = 0; i < weights_.size(); ++i) {
    if (!(present & (uint64_t{1} << i))) continue;
    if (r < weights_[i].second) {
      chosen = static_cast<int>(i);
      break;
    }
    r -= weights_[i].second;
  }
  nodes.KeepIf([&](const registry::Node& n) { return index_of(n) == chosen; },
               /*fallback_to_all=*/false);
}

}  // namespace micro::selector

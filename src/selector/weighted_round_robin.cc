// weighted_round_robin: nginx's smooth weighted round-robin
// (ngx_http_upstream_get_peer): on each pick every candidate's current weight grows by its
// weight, the largest wins and gives back the total. Picks interleave (5,1,1 -> a a b a c
// a a) instead of bursting, and each node gets exactly its share over a period.
//
// The current weights are kept per Node::id, and a pick only touches the candidates of
// that call: when a route filter narrows the set differently from call to call (one
// version group, then another; a retry without the failed node), each node keeps its own
// place in the rotation.
//
// One mutex guards the state: a pick is a few additions per node, shorter than any
// lock-free scheme that would have to retry (bench/hotpath/selector_bench.cc).
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <micro/selector/selectors.h>

#include "selector/builtin.h"
#include "selector/url_options.h"

namespace micro::selector {
namespace {

constexpr int64_t kMaxWeight = 1'000'000;

int64_t WeightOf(const registry::Node& node) {
  auto it = node.metadata.find("weight");
  if (it == node.metadata.end()) return 1;
  const std::string& text = it->second;
  int64_t w = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), w);
  if (ec != std::errc() || end != text.data() + text.size() || w <= 0) return 1;
  return w < kMaxWeight ? w : kMaxWeight;
}

class WeightedRoundRobin final : public Selector {
 public:
  // selector::Selector
  Result<const registry::Node*> Select(Candidates nodes, const Context& /*ctx*/) override {
    if (nodes.empty()) return Status::Unavailable("no nodes to select from");
    if (nodes.size() == 1) return nodes[0];
    std::lock_guard lock(mu_);
    if (!SameSet(nodes)) Rebuild(nodes);
    int64_t total = 0;
    size_t best = 0;
    int64_t best_current = 0;
    for (size_t i = 0; i < nodes.size(); ++i) {
      int64_t w = WeightOf(*nodes[i]);
      total += w;
      int64_t& current = *slots_[i];
      current += w;
      if (i == 0 || current > best_current) {
        best = i;
        best_current = current;
      }
    }
    *slots_[best] -= total;
    return nodes[best];
  }

 private:
  // Whether the candidates are, in order, the nodes slots_ was built for.
  bool SameSet(Candidates nodes) const {
    if (nodes.size() != ids_.size()) return false;
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (nodes[i]->id != ids_[i]) return false;
    }
    return true;
  }

  void Rebuild(Candidates nodes) {
    ++rebuilds_;
    if (state_.size() > prune_at_) Prune();
    ids_.clear();
    slots_.clear();
    for (const registry::Node* n : nodes) {
      ids_.push_back(n->id);
      Peer& peer = state_[n->id];  // unordered_map values never move
      peer.last_rebuild = rebuilds_;
      slots_.push_back(&peer.current);
    }
  }

  // Forgets nodes that were in no candidate set for the last kForgetAfter set changes, so
  // that churn (new ids on every deploy) does not grow the map forever, while nodes of a
  // subset that is merely used less often keep their place in the rotation.
  void Prune() {
    constexpr uint64_t kForgetAfter = 1024;
    for (auto it = state_.begin(); it != state_.end();) {
      if (it->second.last_rebuild + kForgetAfter < rebuilds_) {
        it = state_.erase(it);
      } else {
        ++it;
      }
    }
    prune_at_ = std::max<size_t>(256, 2 * state_.size());
  }

  struct Peer {
    int64_t current = 0;
    uint64_t last_rebuild = 0;  // the last Rebuild whose set held this node
  };

  std::mutex mu_;
  std::unordered_map<std::string, Peer> state_;  // per Node::id
  std::vector<std::string> ids_;                 // the last candidate set, in order
  std::vector<int64_t*> slots_;                  // state_[ids_[i]].current
  uint64_t rebuilds_ = 0;
  size_t prune_at_ = 256;
};

}  // namespace

std::unique_ptr<Selector> NewWeightedRoundRobin() { return std::make_unique<WeightedRoundRobin>(); }

Result<std::unique_ptr<Selector>> WeightedRoundRobinFromUrl(const Url& url) {
  MICRO_RETURN_IF_ERROR(CheckQueryKeys(url, {}));
  return NewWeightedRoundRobin();
}

}  // namespace micro::selector

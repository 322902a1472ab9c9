// least_request: the candidate with the fewest calls in flight, ties broken at random.
// Up to `full_scan_max` candidates every node is examined; beyond that, `choices` distinct
// nodes are sampled and the least loaded of them wins (power of d choices: nearly as good
// as a full scan, and O(1) per pick however many nodes there are).
//
// In-flight counts live in a NodeTable keyed by Node::id (created by OnStart).
#include <atomic>
#include <cstdint>
#include <memory>

#include <micro/selector/selectors.h>

#include "selector/builtin.h"
#include "selector/fast_rand.h"
#include "selector/node_stats.h"
#include "selector/url_options.h"

namespace micro::selector {
namespace {

struct Load {
  std::atomic<int64_t> inflight{0};
};

class LeastRequest final : public Selector {
 public:
  explicit LeastRequest(const LeastRequestOptions& o)
      : choices_(o.choices < 2 ? 2 : static_cast<size_t>(o.choices)),
        full_scan_max_(o.full_scan_max < 1 ? 1 : static_cast<size_t>(o.full_scan_max)),
        rand_(o.seed) {}

  // selector::Selector
  Result<const registry::Node*> Select(Candidates nodes, const Context& /*ctx*/) override {
    if (nodes.empty()) return Status::Unavailable("no nodes to select from");
    if (nodes.size() == 1) return nodes[0];
    NodeTable<Load>::Reader table(loads_);
    auto inflight = [&](size_t i) -> int64_t {
      const Load* l = table.Find(nodes[i]->id);
      return l ? l->inflight.load(std::memory_order_relaxed) : 0;
    };
    size_t n = nodes.size();
    if (n <= full_scan_max_ || n <= choices_) {
      // Reservoir sampling over the minima: each tied node wins with equal chance.
      size_t best = 0;
      int64_t best_load = inflight(0);
      uint64_t ties = 1;
      for (size_t i = 1; i < n; ++i) {
        int64_t load = inflight(i);
        if (load < best_load) {
          best = i;
          best_load = load;
          ties = 1;
        } else if (load == best_load && rand_.Below(++ties) == 0) {
          best = i;
        }
      }
      return nodes[best];
    }
    // d distinct samples (rejection is cheap: d is tiny next to n). The first sample is
    // already random, so keeping the earliest of equal loads breaks ties at random.
    size_t picked[8];
    size_t d = choices_ < 8 ? choices_ : 8;
    size_t best = 0;
    int64_t best_load = 0;
    for (size_t k = 0; k < d; ++k) {
      size_t i;
      bool dup;
      do {
        i = static_cast<size_t>(rand_.Below(n));
        dup = false;
        for (size_t j = 0; j < k; ++j) dup = dup || picked[j] == i;
      } while (dup);
      picked[k] = i;
      int64_t load = inflight(i);
      if (k == 0 || load < best_load) {
        best = i;
        best_load = load;
      }
    }
    return nodes[best];
  }

  bool WantsFeedback() const override { return true; }
  void OnStart(const registry::Node& node) override {
    loads_.WithEntry(node.id, [](Load& l) { l.inflight.fetch_add(1, std::memory_order_relaxed); });
  }
  void OnDone(const registry::Node& node, const Status& /*status*/,
              std::chrono::nanoseconds /*latency*/) override {
    loads_.WithExisting(node.id,
                        [](Load& l) { l.inflight.fetch_sub(1, std::memory_order_relaxed); });
  }

 private:
  const size_t choices_;
  const size_t full_scan_max_;
  FastRand rand_;
  NodeTable<Load> loads_;
};

}  // namespace

std::unique_ptr<Selector> NewLeastRequest(const LeastRequestOptions& options) {
  return std::make_unique<LeastRequest>(options);
}

Result<std::unique_ptr<Selector>> LeastRequestFromUrl(const Url& url) {
  MICRO_RETURN_IF_ERROR(CheckQueryKeys(url, {"choices", "full_scan_max"}));
  auto choices = QueryInt(url, "choices", 2, 2, 8);
  if (!choices.ok()) return choices.status();
  auto full = QueryInt(url, "full_scan_max", 4, 1, 1 << 20);
  if (!full.ok()) return full.status();
  return NewLeastRequest(
      {.choices = static_cast<int>(*choices), .full_scan_max = static_cast<int>(*full)});
}

}  // namespace micro::selector

// random: each call goes to a uniformly random node. One generator per thread keeps the
// hot path lock-free.
#include <random>

#include "selector/builtin.h"

namespace micro::selector {
namespace {

class RandomSelector final : public Selector {
 public:
  // selector::Selector
  Result<const registry::Node*> Select(Candidates nodes, const Context& /*ctx*/) override {
    if (nodes.empty()) return Status::Unavailable("no nodes to select from");
    thread_local std::minstd_rand rng(std::random_device{}());
    std::uniform_int_distribution<size_t> pick(0, nodes.size() - 1);
    return nodes[pick(rng)];
  }
};

}  // namespace

Result<std::unique_ptr<Selector>> NewRandom(const Url& /*url*/) {
  return std::unique_ptr<Selector>(new RandomSelector());
}

}  // namespace micro::selector

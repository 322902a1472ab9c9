// round_robin: each call goes to the next node in turn. The cursor is one relaxed atomic,
// so concurrent callers never contend on a lock.
#include <atomic>

#include "selector/builtin.h"

namespace micro::selector {
namespace {

class RoundRobin final : public Selector {
 public:
  // selector::Selector
  Result<const registry::Node*> Select(Candidates nodes, const Context& /*ctx*/) override {
    if (nodes.empty()) return Status::Unavailable("no nodes to select from");
    uint64_t n = next_.fetch_add(1, std::memory_order_relaxed);
    return nodes[n % nodes.size()];
  }

 private:
  std::atomic<uint64_t> next_{0};
};

}  // namespace

Result<std::unique_ptr<Selector>> NewRoundRobin(const Url& /*url*/) {
  return std::unique_ptr<Selector>(new RoundRobin());
}

}  // namespace micro::selector

// p2c_ewma: power of two choices on cost = latency EWMA x (in-flight + 1), after Finagle's
// PeakEWMA and go-zero's p2c balancer.
//
// - The latency average decays by time, not by count: dt after the last observation it
//   has kept w = exp(-dt/tau) of its value (decaying towards zero), and a new latency is
//   blended in with weight 1-w, so the average covers "the last ~tau of time" whatever
//   the call rate. A latency above the decayed average replaces it at once (peak
//   sensitivity: a node that turns slow is avoided after one slow reply, not after many).
// - Because an idle node's cost decays towards zero, a node avoided for being slow gets
//   one probe call after a while (when its cost falls under the others'), and is back
//   in the rotation at once if the probe was fast.
// - A node never observed costs 0 while idle (new nodes are probed at once) and a large
//   penalty while its first call is in flight (so a new node is not flooded before its
//   first reply says how fast it is).
// - Failures that say the node is unhealthy count as taking at least error_penalty;
//   without that, a node that fails fast would look like the fastest node of all.
//
// Select reads only atomics under the NodeTable's shared lock; OnDone takes a per-node
// mutex to update the (average, timestamp) pair together.
#include <atomic>
#include <cmath>
#include <cstdint>
#include <memory>
#include <mutex>

#include <micro/selector/selectors.h>

#include "selector/builtin.h"
#include "selector/fast_rand.h"
#include "selector/node_stats.h"
#include "selector/url_options.h"

namespace micro::selector {
namespace {

constexpr double kPenalty = 1e18;  // cost of a new node with its first call in flight

struct Peak {
  std::atomic<int64_t> inflight{0};
  std::atomic<bool> seen{false};
  std::atomic<double> ewma_ns{0};
  std::atomic<int64_t> stamp_ns{0};  // clock time of the last observation
  std::mutex update_mu;
};

bool SaysNodeUnhealthy(StatusCode code) {
  switch (code) {
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded:
    case StatusCode::kResourceExhausted:
    case StatusCode::kInternal:
    case StatusCode::kUnknown:
    case StatusCode::kDataLoss:
    case StatusCode::kAborted:
      return true;
    default:
      return false;
  }
}

class P2cEwma final : public Selector {
 public:
  P2cEwma(const P2cEwmaOptions& o, const Clock& clock)
      : tau_ns_(static_cast<double>(o.tau.count() > 0 ? o.tau.count() : 1)),
        penalty_ns_(static_cast<double>(o.error_penalty.count())),
        clock_(clock),
        rand_(o.seed) {}

  // selector::Selector
  Result<const registry::Node*> Select(Candidates nodes, const Context& /*ctx*/) override {
    if (nodes.empty()) return Status::Unavailable("no nodes to select from");
    if (nodes.size() == 1) return nodes[0];
    size_t n = nodes.size();
    size_t a = static_cast<size_t>(rand_.Below(n));
    size_t b = static_cast<size_t>(rand_.Below(n - 1));
    if (b >= a) ++b;  // distinct from a, uniform over the rest
    int64_t now = Nanos(clock_.Now());
    NodeTable<Peak>::Reader table(stats_);
    double cost_a = Cost(table.Find(nodes[a]->id), now);
    double cost_b = Cost(table.Find(nodes[b]->id), now);
    return nodes[cost_b < cost_a ? b : a];  // a is random: equal costs split evenly
  }

  bool WantsFeedback() const override { return true; }
  void OnStart(const registry::Node& node) override {
    stats_.WithEntry(node.id, [](Peak& p) { p.inflight.fetch_add(1, std::memory_order_relaxed); });
  }

  void OnDone(const registry::Node& node, const Status& status,
              std::chrono::nanoseconds latency) override {
    double rtt = static_cast<double>(latency.count() > 0 ? latency.count() : 0);
    if (!status.ok() && SaysNodeUnhealthy(status.code()) && rtt < penalty_ns_) rtt = penalty_ns_;
    int64_t now = Nanos(clock_.Now());
    stats_.WithExisting(node.id, [&](Peak& p) {
      {
        std::lock_guard lock(p.update_mu);
        // Start from the cost Select has been seeing (decayed since the last
        // observation), so that a probe of a recovered node puts it back level with the
        // others at once.
        double dt = static_cast<double>(now - p.stamp_ns.load(std::memory_order_relaxed));
        double w = std::exp(-(dt > 0 ? dt : 0) / tau_ns_);
        double ewma = p.ewma_ns.load(std::memory_order_relaxed) * w;
        if (!p.seen.load(std::memory_order_relaxed) || rtt > ewma) {
          ewma = rtt;
        } else {
          // `ewma` already holds w x the stored average: add the sample's share only
          // (decaying it by w again would forget the past at twice the rate tau says).
          ewma = ewma + rtt * (1 - w);
        }
        p.ewma_ns.store(ewma, std::memory_order_relaxed);
        p.stamp_ns.store(now, std::memory_order_relaxed);
        p.seen.store(true, std::memory_order_release);
      }
      p.inflight.fetch_sub(1, std::memory_order_relaxed);
    });
  }

 private:
  static int64_t Nanos(Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  }

  double Cost(const Peak* p, int64_t now) const {
    if (p == nullptr) return 0;  // never started a call: probe it
    int64_t inflight = p->inflight.load(std::memory_order_relaxed);
    if (!p->seen.load(std::memory_order_acquire)) {
      return inflight > 0 ? kPenalty * static_cast<double>(inflight) : 0;
    }
    // ewma and stamp are read separately: a racing update can pair a fresh average with
    // the previous stamp, which only makes this one reading decay a little more.
    double ewma = p->ewma_ns.load(std::memory_order_relaxed);
    double dt = static_cast<double>(now - p->stamp_ns.load(std::memory_order_relaxed));
    if (dt > 0) ewma *= std::exp(-dt / tau_ns_);
    return ewma * static_cast<double>(inflight + 1);
  }

  const double tau_ns_;
  const double penalty_ns_;
  const Clock& clock_;
  FastRand rand_;
  NodeTable<Peak> stats_;
};

}  // namespace

std::unique_ptr<Selector> NewP2cEwma(const P2cEwmaOptions& options, const Clock& clock) {
  return std::make_unique<P2cEwma>(options, clock);
}

Result<std::unique_ptr<Selector>> P2cEwmaFromUrl(const Url& url) {
  MICRO_RETURN_IF_ERROR(CheckQueryKeys(url, {"tau_ms", "error_penalty_ms"}));
  auto tau = QueryInt(url, "tau_ms", 10'000, 1, 86'400'000);
  if (!tau.ok()) return tau.status();
  auto penalty = QueryInt(url, "error_penalty_ms", 250, 0, 3'600'000);
  if (!penalty.ok()) return penalty.status();
  return NewP2cEwma({.tau = std::chrono::milliseconds(*tau),
                     .error_penalty = std::chrono::milliseconds(*penalty)});
}

}  // namespace micro::selector

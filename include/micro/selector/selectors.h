// The built-in load-balancing selectors, constructed directly (tests, benchmarks, code
// that wires a client by hand). Most users pick one by name or URL instead:
//
//   micro::selector::RegisterBuiltinSelectors();
//   auto sel = micro::selector::SelectorPlugins().Create("consistent_hash://?key=x-user-id");
//
// and a test that needs time under its control builds one with a ManualClock:
//
//   micro::ManualClock clock;
//   auto sel = micro::selector::NewP2cEwma({.tau = std::chrono::seconds(10)}, clock);
//
// Names and URL keys (docs/selector.md has the full table):
//   round_robin, random                       no keys
//   weighted_round_robin                      no keys; node metadata "weight"
//   least_request      ?choices=2&full_scan_max=4
//   p2c_ewma           ?tau_ms=10000&error_penalty_ms=250
//   consistent_hash    ?key=x-micro-hash-key&vnodes=160
//
// Every selector here is thread-safe (Select/OnStart/OnDone from any thread) and keys its
// per-node state by Node::id, so it stays correct when the candidate set changes from one
// call to the next (nodes join or leave, a route filter narrows the set differently).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <micro/core/clock.h>
#include <micro/selector/selector.h>

namespace micro::selector {

// weighted_round_robin: nginx's smooth weighted round-robin. A node's weight is its
// metadata "weight" (a positive integer; missing, unparsable or non-positive means 1;
// capped at 1,000,000). Weights 5,1,1 give a a b a c a a, repeating.
std::unique_ptr<Selector> NewWeightedRoundRobin();

struct LeastRequestOptions {
  // Nodes sampled per pick once there are more than `full_scan_max` candidates (power of
  // d choices, d in 2..8); up to `full_scan_max` nodes, every node is examined.
  int choices = 2;
  int full_scan_max = 4;
  // Seed of the tie-breaking / sampling generator; 0 seeds from std::random_device.
  uint64_t seed = 0;
};
// least_request: the node with the fewest calls in flight (counted by OnStart/OnDone);
// ties are broken at random.
std::unique_ptr<Selector> NewLeastRequest(const LeastRequestOptions& options = {});

struct P2cEwmaOptions {
  // Time constant of the time-decayed latency average: an observation `dt` after the
  // previous one keeps exp(-dt/tau) of the old average. Also how fast a node's score
  // decays towards zero while nothing is observed (so a node that was slow is probed
  // again after a while).
  std::chrono::nanoseconds tau = std::chrono::seconds(10);
  // A call that failed in a way that says the node is unhealthy (UNAVAILABLE,
  // DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, INTERNAL, UNKNOWN, DATA_LOSS, ABORTED)
  // counts as taking at least this long.
  std::chrono::nanoseconds error_penalty = std::chrono::milliseconds(250);
  // Seed of the sampling generator; 0 seeds from std::random_device.
  uint64_t seed = 0;
};
// p2c_ewma: power of two choices on cost = peak-EWMA latency x (in-flight + 1), as Finagle's
// PeakEWMA and go-zero's p2c do. A node never observed costs 0 while idle (so new nodes get
// probed) and a large penalty while its first call is in flight (so they are not flooded).
// `clock` must outlive the selector.
std::unique_ptr<Selector> NewP2cEwma(const P2cEwmaOptions& options = {},
                                     const Clock& clock = Clock::Real());

struct ConsistentHashOptions {
  // The Context metadata key whose value is hashed. Calls without it (or with an empty
  // value) fall back to round-robin.
  std::string key = "x-micro-hash-key";
  // Points per node on the hash ring; more points spread keys more evenly.
  int vnodes = 160;
};
// consistent_hash: a hash ring with virtual nodes. The same key goes to the same node as
// long as that node is a candidate; when a node joins only the keys it takes over move,
// when one leaves only its keys move. Rings are cached per distinct candidate set.
std::unique_ptr<Selector> NewConsistentHash(const ConsistentHashOptions& options = {});

}  // namespace micro::selector

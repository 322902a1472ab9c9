// OutlierDetector: finds the nodes of a service that misbehave while their peers do not,
// and ejects them from load balancing for a while (Envoy's outlier detection):
//   - consecutive failures: `consecutive_failures` attempts in a row ending in one of
//     `failure_codes` eject the node at once;
//   - latency outliers: every `interval`, a node whose mean latency over the interval is
//     more than `latency_factor` times the median of its peers' means is ejected (only
//     nodes with `latency_min_requests` samples count, and only when at least
//     `latency_min_hosts` such nodes exist).
// The n-th ejection of a node lasts min(base_ejection_time * n, max_ejection_time); n
// shrinks by one for every full interval the node stays healthy. No more than
// max_ejection_percent of a service's nodes are ejected at once — but at least one may
// be, when the service has two or more (as Envoy).
//
//   auto detector = std::make_shared<OutlierDetector>(OutlierRules({.consecutive_failures = 5}));
//   auto ejection = std::make_shared<OutlierEjection>(detector);   // outlier_ejection.h
//   client.UseAttempt(ejection);
//   client.AddRouteFilter(ejection);
//
// Nodes are keyed by service name and node id. Time comes from the Clock; a lapsed
// ejection ends lazily, at the next look. Thread-safe; Observe takes one short lock per
// service, and Filter is one atomic load while nothing in the service is ejected.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include <micro/core/clock.h>
#include <micro/core/status.h>
#include <micro/governance/code_set.h>
#include <micro/governance/policy_rules.h>
#include <micro/selector/route_filter.h>

namespace micro::governance {

struct OutlierOptions {
  // Failures in a row that eject a node; 0 turns this detector off.
  int consecutive_failures = 5;
  CodeSet failure_codes = CodeSet::DefaultFailures();
  // A node slower than latency_factor x the median of its peers is ejected; 0 = off.
  double latency_factor = 3.0;
  std::chrono::milliseconds interval{10000};  // latency evaluation and healing period
  int latency_min_requests = 10;              // samples a node needs in an interval
  int latency_min_hosts = 3;                  // nodes with enough samples to compare
  std::chrono::milliseconds base_ejection_time{30000};
  std::chrono::milliseconds max_ejection_time{300000};
  int max_ejection_percent = 10;

  Status Validate() const;
};

using OutlierRules = PolicyRules<OutlierOptions>;

// An ejection began (`ejected` true, for `duration`) or ended. `reason`:
// "consecutive_failures", "latency" or "expired". Called outside the detector's locks.
using EjectionListener =
    std::function<void(std::string_view service, std::string_view node_id, bool ejected,
                       std::chrono::milliseconds duration, std::string_view reason)>;

class OutlierDetector {
 public:
  // Options per service come from `rules` (method-keyed rules do not apply: a node
  // serves every method).
  explicit OutlierDetector(OutlierRules rules = OutlierRules(), EjectionListener listener = {},
                           const Clock& clock = Clock::Real());
  ~OutlierDetector();
  OutlierDetector(const OutlierDetector&) = delete;
  OutlierDetector& operator=(const OutlierDetector&) = delete;

  // The outcome of one attempt to a node. A failure is a code in failure_codes; any
  // other code (OK included) is a success and a latency sample.
  void Observe(std::string_view service, std::string_view node_id, const Status& status,
               std::chrono::nanoseconds latency);

  // Removes the ejected nodes from a call's candidates, never more than
  // max_ejection_percent of them (at least one of two or more), never all.
  void Filter(std::string_view service, selector::NodeSet& nodes);

  bool IsEjected(std::string_view service, std::string_view node_id);
  // How many times the node was ejected, net of healing (the backoff multiplier).
  int EjectionMultiplier(std::string_view service, std::string_view node_id);
  // Nodes of the service ejected right now.
  size_t EjectedCount(std::string_view service);

  // Hot reload: forgets every node's history and ends every ejection.
  void SetRules(OutlierRules rules);

 private:
  struct Host;
  struct ServiceState;
  struct Event;
  std::shared_ptr<ServiceState> StateFor(std::string_view service, bool create);

  const EjectionListener listener_;
  const Clock& clock_;
  std::shared_mutex mu_;
  std::shared_ptr<const OutlierRules> rules_;
  std::unordered_map<std::string, std::shared_ptr<ServiceState>> services_;
};

}  // namespace micro::governance

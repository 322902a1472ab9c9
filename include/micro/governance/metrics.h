// GovernanceMetrics: what the governance policies did, as Prometheus series — breaker
// transitions and rejections, limiter rejections, retries, outlier ejections — in a
// metrics::Registry. Governance (governance.h) creates one and hands it to every policy it
// installs; code that wires policies by hand does the same:
//
//   auto gm = micro::governance::GovernanceMetrics::Create();      // DefaultRegistry()
//   if (!gm.ok()) return gm.status();
//   rate_limit->SetMetrics(*gm);          // each policy: SetMetrics before its first call
//   retry->SetMetrics(*gm);
//
// Series (docs/metrics.md has the table). `service`/`method` are the .proto service and
// method name ("helloworld.Greeter", "SayHello"), as in micro_server_* / micro_client_*;
// endpoint breakers and outlier ejection judge registry nodes, so there `service` is the
// registry name of the called service and `node` the node id:
//   micro_breaker_transitions_total{service,method,to}             counter
//   micro_breaker_rejections_total{service,method}                 counter
//   micro_endpoint_breaker_transitions_total{service,node,to}      counter
//   micro_endpoint_breaker_rejections_total{service,node}          counter
//   micro_limiter_rejections_total{service,method,limiter}         counter
//       limiter = "rate_limit" | "bulkhead" | "shedder"
//   micro_retries_total{service,method}                            counter (attempts after
//                                                                  the first)
//   micro_retry_budget_exhausted_total{service,method}             counter
//   micro_outlier_ejections_total{service,reason}                  counter
// and, read at scrape time by Governance's collector (AddStateCollector):
//   micro_breaker_state{service,method,state}                      gauge, 1 for the state
//   micro_endpoint_breaker_state{service,node,state}               the breaker is in, 0 for
//                                                                  the two others
//   micro_outlier_ejected{service}                                 gauge
//
// Cost: nothing on an admitted call. A breaker's counters are looked up once, when the
// breaker is created, and kept with it; a limiter rejection or a retry finds its method's
// counters with one lock-free lookup (the first one of a method registers them). Every
// method is thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <micro/core/result.h>
#include <micro/governance/breaker.h>
#include <micro/metrics/metrics.h>
#include <micro/server/method.h>

namespace micro::governance {

class MethodBreakerInterceptor;
class EndpointBreakers;
class OutlierDetector;

// The server policies that refuse calls with RESOURCE_EXHAUSTED.
enum class LimitPolicy { kRateLimit, kBulkhead, kShedder };
std::string_view LimitPolicyName(LimitPolicy policy);  // "rate_limit", "bulkhead", "shedder"

// One breaker's counters, registered when the breaker is created (so that they read 0 before
// the first event and rate() sees it). Stable for the life of the GovernanceMetrics.
struct BreakerCounters {
  metrics::Counter* rejections = nullptr;
  std::array<metrics::Counter*, 3> transitions{};  // by the state entered (BreakerState)

  void Transition(BreakerState to) const { transitions[static_cast<size_t>(to)]->Inc(); }
};

class GovernanceMetrics {
 public:
  // Registers (or finds) the counter families in `registry`, which must outlive this object.
  static Result<std::shared_ptr<GovernanceMetrics>> Create(
      metrics::Registry& registry = metrics::DefaultRegistry());
  ~GovernanceMetrics();
  GovernanceMetrics(const GovernanceMetrics&) = delete;
  GovernanceMetrics& operator=(const GovernanceMetrics&) = delete;

  metrics::Registry& registry() const { return registry_; }

  // A call to `method` refused by a server policy.
  void Rejected(LimitPolicy policy, const server::Method& method);
  // A retry was sent / refused by the retry budget; `path` is "/pkg.Service/Method".
  void Retried(std::string_view path);
  void RetryBudgetExhausted(std::string_view path);
  // The counters of the breaker of a method (`path` as above) or of a registry node.
  const BreakerCounters* MethodBreaker(std::string_view path);
  const BreakerCounters* EndpointBreaker(std::string_view service, std::string_view node_id);
  // A node of `service` was ejected; `reason` as the EjectionListener's.
  void Ejected(std::string_view service, std::string_view reason);

  // Adds to registry() a collector of micro_breaker_state, micro_endpoint_breaker_state and
  // micro_outlier_ejected, read from the given policies (each may be null) when scraped.
  // They must stay alive until RemoveCollector(id) on registry() returned (Governance
  // removes it first thing in its destructor).
  uint64_t AddStateCollector(MethodBreakerInterceptor* breakers, EndpointBreakers* endpoints,
                             OutlierDetector* outlier);

 private:
  // A method's counters, made on its first event.
  struct MethodSeries {
    std::string service, method;
    std::atomic<metrics::Counter*> limiter[3] = {};
    metrics::Counter* retries = nullptr;
    metrics::Counter* budget_exhausted = nullptr;
  };
  // Maps a key to its series without a lock once seen: readers load an immutable map with
  // one atomic read; a new key copies the map under mu_ (a handful of times per process).
  class SeriesCache {
   public:
    template <typename Make>
    MethodSeries& Get(std::string_view key, Make&& make);

   private:
    struct Hash {
      using is_transparent = void;
      size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
    };
    using Map = std::unordered_map<std::string, MethodSeries*, Hash, std::equal_to<>>;
    std::atomic<const Map*> map_{nullptr};
    std::mutex mu_;
    std::vector<std::unique_ptr<const Map>> maps_;
    std::vector<std::unique_ptr<MethodSeries>> series_;
  };

  explicit GovernanceMetrics(metrics::Registry& registry) : registry_(registry) {}
  MethodSeries& ServerSeries(const server::Method& method);
  MethodSeries& ClientSeries(std::string_view path);
  const BreakerCounters* Breaker(bool endpoint, const std::string& a, const std::string& b);

  metrics::Registry& registry_;
  metrics::Family<metrics::Counter>* breaker_transitions_ = nullptr;
  metrics::Family<metrics::Counter>* breaker_rejections_ = nullptr;
  metrics::Family<metrics::Counter>* endpoint_transitions_ = nullptr;
  metrics::Family<metrics::Counter>* endpoint_rejections_ = nullptr;
  metrics::Family<metrics::Counter>* limiter_rejections_ = nullptr;
  metrics::Family<metrics::Counter>* retries_ = nullptr;
  metrics::Family<metrics::Counter>* budget_exhausted_ = nullptr;
  metrics::Family<metrics::Counter>* ejections_ = nullptr;

  SeriesCache server_series_;  // keyed by "/pkg.Service/Method" built from a Method
  SeriesCache client_series_;  // keyed by the call's method path

  mutable std::mutex breakers_mu_;  // breaker creation and ejections: rare
  std::map<std::pair<bool, std::string>, std::unique_ptr<BreakerCounters>> breakers_;
  std::set<std::string, std::less<>> ejected_services_;  // for micro_outlier_ejected
};

}  // namespace micro::governance

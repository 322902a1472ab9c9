// Governance: puts the policies a GovernanceConfig (rules.h) names on a client and a server,
// once, and swaps their rules whenever the config changes — the piece that turns the
// `governance` section of a service's YAML into interceptors. micro::Service does all of
// this by itself (docs/governance.md); code that wires a Client or Server by hand does:
//
//   auto gov = micro::governance::Governance::FromConfig(config, options.client.selector);
//   if (!gov.ok()) return gov.status();          // names the bad key
//   (*gov)->InstallServer(server);                // before the transports start
//   (*gov)->InstallClient(client);                // before the first call
//   // edits of `governance` in the config now apply live; keep *gov alive meanwhile
//
// What is installed, in this order (docs/governance.md explains why):
//   client call chain:    method breaker (outermost), hedging, retry
//   client attempt chain: endpoint breaker, outlier ejection
//   route filters:        endpoint breaker, outlier ejection, then lane, version weights,
//                         locality (the built-in routing filters in their order)
//   server chain:         shedder, bulkhead, rate limit
// Only the sections present when the Governance is created are installed; routing filters
// when `governance.client` is present. With no `governance` section nothing is installed
// and calls pay nothing. A section removed later is switched off (its interceptor passes
// calls through); a section added later is logged and takes effect at the next start.
//
// Reload is all or nothing: the whole new section is parsed and validated first; when it
// is invalid the error is logged and every previous rule stays. Only the policies whose
// section changed get new rules (a breaker's state survives an edit of a rate limit). Calls
// in flight finish under the rules they started with.
//
// Metrics: what the policies do (breaker states and transitions, rejections, retries,
// ejections; metrics.h) goes to the registry given to Create (DefaultRegistry() unless
// told otherwise; null: none), registered only when a policy is installed.
//
// Thread-safety: Install* once each, before traffic; Reload and the getters from any
// thread (reloads are serialized).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include <micro/client/client.h>
#include <micro/config/config.h>
#include <micro/config/value.h>
#include <micro/core/result.h>
#include <micro/governance/bulkhead.h>
#include <micro/governance/endpoint_breaker.h>
#include <micro/governance/hedging.h>
#include <micro/governance/method_breaker.h>
#include <micro/governance/metrics.h>
#include <micro/governance/outlier_ejection.h>
#include <micro/governance/rate_limit.h>
#include <micro/governance/retry_interceptor.h>
#include <micro/governance/rules.h>
#include <micro/governance/shedder.h>
#include <micro/metrics/metrics.h>
#include <micro/server/server.h>

namespace micro::governance {

class Governance {
 public:
  // From the value of the `governance` section (null: none). `default_selector` is the
  // client's selector when governance.client.selector is unset (ClientOptions::selector).
  // `registry` receives the policies' metrics (null: no metrics); it must outlive this.
  static Result<std::unique_ptr<Governance>> Create(
      const config::Value& tree, std::string default_selector = "round_robin",
      metrics::Registry* registry = &metrics::DefaultRegistry());
  // From `config`'s `governance` section, and watching it for changes (null config: an
  // empty Governance). The watch ends when the Governance is destroyed.
  static Result<std::unique_ptr<Governance>> FromConfig(
      std::shared_ptr<config::Config> config, std::string default_selector = "round_robin",
      metrics::Registry* registry = &metrics::DefaultRegistry());
  ~Governance();
  Governance(const Governance&) = delete;
  Governance& operator=(const Governance&) = delete;

  // Adds the server policies of the config (none: nothing). Once, before transports start.
  void InstallServer(server::Server& server);
  // Adds the client policies and routing of the config, and sets its selectors. Once,
  // before the first call; `client` must outlive this Governance.
  Status InstallClient(client::Client& client);

  // Parses `tree` (the new value of `governance`) and swaps the rules of what changed.
  // INVALID_ARGUMENT naming the key, changing nothing, when it is invalid.
  Status Reload(const config::Value& tree);

  // Reloads so far (config changes seen), and the outcome of the last one.
  uint64_t reloads() const { return reloads_.load(); }
  Status last_reload_status() const;

  // The installed policies (null when their section was absent at creation), for metrics
  // and tests.
  std::shared_ptr<RetryInterceptor> retry() const;
  std::shared_ptr<HedgingInterceptor> hedging() const;
  std::shared_ptr<MethodBreakerInterceptor> method_breakers() const;
  std::shared_ptr<EndpointBreakers> endpoint_breakers() const;
  std::shared_ptr<OutlierEjection> outlier() const;
  std::shared_ptr<RateLimitInterceptor> rate_limit() const;
  std::shared_ptr<BulkheadInterceptor> bulkhead() const;
  std::shared_ptr<ShedderInterceptor> shedder() const;
  // The policies' metrics; null when no policy is installed or metrics are off.
  std::shared_ptr<GovernanceMetrics> metrics() const;

  struct Parts;

 private:
  Governance();
  Status ApplyLocked(const GovernanceConfig& next, const config::Value& tree);

  mutable std::mutex mu_;
  std::unique_ptr<Parts> parts_;
  std::shared_ptr<config::Config> config_;
  uint64_t watch_ = 0;
  std::atomic<uint64_t> reloads_{0};
  Status last_reload_;
};

}  // namespace micro::governance

// GovernanceConfig: every governance policy of a service as data — what the `governance`
// section of its YAML config says, parsed and validated in one step. docs/governance.md has
// the schema with every key and its default.
//
//   governance:
//     client:
//       selector: p2c_ewma
//       services: {inventory: {versions: {v1: 90, v2: 10}}}
//       retry: {default: {max_attempts: 3}, rules: {"/shop.Order/Get": {idempotent: true}}}
//       hedging: {rules: {"/shop.Catalog/Get": {max_attempts: 2, delay_percentile: 95}}}
//     server:
//       rate_limit: {rules: [{method: "*", token_bucket: {rate: 1000}}]}
//
//   auto tree = config.GetValue("governance");
//   auto rules = micro::governance::ParseGovernance(tree.ok() ? *tree : config::Value());
//   if (!rules.ok()) return rules.status();   // "governance.client.retry.default.max_atempts:
//                                             //  unknown key (known: max_attempts, ...)"
//
// A section that is absent is nullopt (its policy is not installed, see governance.h); a
// section that is present starts from its policy's defaults and sets what it names. Rules
// keyed by service or method ("rules:") start from the section's `default`. Every
// PolicyRules::Validate() has passed on a parsed config. A plain value: copy it freely.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <micro/config/value.h>
#include <micro/core/result.h>
#include <micro/governance/bulkhead.h>
#include <micro/governance/hedging.h>
#include <micro/governance/method_breaker.h>
#include <micro/governance/outlier.h>
#include <micro/governance/rate_limit.h>
#include <micro/governance/redis_limiter.h>
#include <micro/governance/retry_interceptor.h>
#include <micro/governance/shedder.h>

namespace micro::governance {

// governance.client.services.<name>: routing of calls to one service.
struct ServiceRouting {
  std::string selector;  // a SelectorPlugins() URL; empty = the client's default selector
  std::vector<std::pair<std::string, uint32_t>> versions;  // canary weights; empty = none
  bool operator==(const ServiceRouting&) const = default;
};

// governance.client.selector / zone / lanes / services.
struct RoutingConfig {
  std::string selector;  // default selector of every service; empty = ClientOptions::selector
  std::string zone;      // locality preference; empty = none
  bool lanes = true;     // route by the x-micro-lane request label
  std::map<std::string, ServiceRouting, std::less<>> services;
  bool operator==(const RoutingConfig&) const = default;
};

// governance.client.retry.
struct RetryConfig {
  RetryRules rules;
  std::optional<RetryBudgetOptions> budget = RetryBudgetOptions();  // nullopt: no budget
};

struct ClientGovernance {
  RoutingConfig routing;
  std::optional<RetryConfig> retry;
  // governance.client.hedging. A method is hedged or retried, never both: the parser
  // rejects a rule (or the defaults) that turns both on; for the rest the more specific
  // rule decides (RetryBesideHedging / HedgingBesideRetry).
  std::optional<HedgingRules> hedging;
  std::optional<BreakerRules> breaker;           // per method, around the whole call
  std::optional<BreakerRules> endpoint_breaker;  // per node, around each attempt
  std::optional<OutlierRules> outlier;
};

struct ServerGovernance {
  std::optional<std::vector<RateLimitRule>> rate_limit;
  // Rules of rate_limit (by index) whose limit is one global Redis bucket (`redis:`): their
  // shared_limiter is built from these options by Governance, which owns the connections
  // (parsing never connects anywhere).
  std::map<size_t, RedisLimiterOptions> redis_limits;
  std::optional<std::vector<BulkheadRule>> bulkhead;
  std::optional<ShedderInterceptorOptions> shedding;
};

struct GovernanceConfig {
  ClientGovernance client;
  ServerGovernance server;
};

// The rules each policy runs with when both retry and hedging are configured, so that the
// most specific rule of either policy decides which one acts on a method: every key that
// turns the other policy on (and that this one does not name) is added to this one,
// switched off. With `hedging: {rules: {catalog: {max_attempts: 2}}}` and
// `retry: {rules: {"/catalog.Catalog/Put": {max_attempts: 3}}}`, Put is retried only and
// every other method of catalog is hedged only.
RetryRules RetryBesideHedging(const RetryRules& retry, const HedgingRules& hedging);
HedgingRules HedgingBesideRetry(const HedgingRules& hedging, const RetryRules& retry);

// Parses the `governance` subtree (`tree` is its value; null = no governance). `path` is
// how messages name its root. INVALID_ARGUMENT naming the full key path on an unknown key
// ("<path>.client.retry.default.max_atempts: unknown key (known: ...)"), on a bad value
// ("<path>.client.retry.default.max_attempts: expected an integer >= 1, got \"x\"") and
// when a policy's Validate() fails.
Result<GovernanceConfig> ParseGovernance(const config::Value& tree,
                                         std::string_view path = "governance");

}  // namespace micro::governance

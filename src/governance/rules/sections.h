// One parser per governance section, each in its own file; ParseGovernance
// (governance_config.cc) calls them. `value` is the section's value, `path` its full key
// path ("governance.client.retry"). Every failure is INVALID_ARGUMENT naming a key path.
#pragma once

#include <string>

#include <micro/config/value.h>
#include <micro/core/result.h>
#include <micro/governance/rules.h>

#include "governance/rules/reader.h"

namespace micro::governance::rules_internal {

// The routing keys of governance.client (selector, zone, lanes, services), read from the
// client section's reader (which owns the section's list of keys).
Status ParseRouting(const MapReader& client, RoutingConfig& out);
Result<RetryConfig> ParseRetry(const config::Value& value, const std::string& path);
Result<HedgingRules> ParseHedging(const config::Value& value, const std::string& path);
// INVALID_ARGUMENT naming the hedging rule (or default) that a retry rule of the same key
// also turns on. `path` is governance.client's.
Status CheckHedgingBesideRetry(const HedgingRules& hedging, const RetryRules& retry,
                               const std::string& path);
// breaker (per method) and endpoint_breaker (per node: `methods` false).
Result<BreakerRules> ParseBreaker(const config::Value& value, const std::string& path,
                                  bool methods);
Result<OutlierRules> ParseOutlier(const config::Value& value, const std::string& path);
// Fills out.rate_limit and out.redis_limits.
Status ParseRateLimit(const config::Value& value, const std::string& path, ServerGovernance& out);
Result<std::vector<BulkheadRule>> ParseBulkhead(const config::Value& value,
                                                const std::string& path);
Result<ShedderInterceptorOptions> ParseShedding(const config::Value& value,
                                                const std::string& path);

}  // namespace micro::governance::rules_internal

// governance.client.hedging: default + rules of HedgingOptions, and how they share methods
// with governance.client.retry.
#include <limits>

#include "governance/rules/reader.h"
#include "governance/rules/sections.h"

namespace micro::governance {

namespace rules_internal {

namespace {

const Keys kHedgingKeys = {"max_attempts", "delay_ms",        "delay_percentile",
                           "min_samples",  "non_fatal_codes", "idempotent"};

Result<HedgingOptions> ParseHedgingOptions(const config::Value& value, const std::string& path,
                                           HedgingOptions o) {
  auto map = MapReader::Open(value, path, kHedgingKeys);
  if (!map.ok()) return map.status();
  MICRO_RETURN_IF_ERROR(map->Int("max_attempts", 1, 10, o.max_attempts));
  MICRO_RETURN_IF_ERROR(map->Millis("delay_ms", o.delay));
  MICRO_RETURN_IF_ERROR(map->Double("delay_percentile", 0, 99.9, o.delay_percentile));
  MICRO_RETURN_IF_ERROR(map->Int("min_samples", 1, std::numeric_limits<int>::max(), o.min_samples));
  MICRO_RETURN_IF_ERROR(map->Codes("non_fatal_codes", o.non_fatal_codes));
  MICRO_RETURN_IF_ERROR(map->Bool("idempotent", o.idempotent));
  return o;
}

constexpr char kOneOrTheOther[] =
    "a method is hedged or retried, not both (hedging sends the next attempt at once on a "
    "non-fatal code, as a retry would)";

}  // namespace

Result<HedgingRules> ParseHedging(const config::Value& value, const std::string& path) {
  auto section = MapReader::Open(value, path, {"default", "rules"});
  if (!section.ok()) return section.status();
  return ReadPolicyRules<HedgingOptions>(*section, /*methods=*/true, kHedgingKeys,
                                         ParseHedgingOptions);
}

Status CheckHedgingBesideRetry(const HedgingRules& hedging, const RetryRules& retry,
                               const std::string& path) {
  if (hedging.defaults().enabled() && retry.defaults().max_attempts > 1) {
    return Status::InvalidArgument(
        path +
        ".hedging.default: turns hedging on for every method while retry.default "
        "retries them (max_attempts " +
        std::to_string(retry.defaults().max_attempts) +
        "); set retry.default.max_attempts to 1 or hedge by rules: " + kOneOrTheOther);
  }
  for (const auto& [key, options] : hedging.overrides()) {
    if (!options.enabled()) continue;
    auto it = retry.overrides().find(key);
    if (it == retry.overrides().end() || it->second.max_attempts <= 1) continue;
    return Status::InvalidArgument(path + ".hedging.rules.\"" + key + "\": retry.rules.\"" + key +
                                   "\" retries it too: " + kOneOrTheOther);
  }
  return Status::Ok();
}

}  // namespace rules_internal

RetryRules RetryBesideHedging(const RetryRules& retry, const HedgingRules& hedging) {
  RetryRules::Overrides overrides = retry.overrides();
  for (const auto& [key, options] : hedging.overrides()) {
    if (!options.enabled() || overrides.contains(key)) continue;
    RetryOptions off = retry.defaults();
    off.max_attempts = 1;
    overrides.emplace(key, off);
  }
  return RetryRules(retry.defaults(), std::move(overrides));
}

HedgingRules HedgingBesideRetry(const HedgingRules& hedging, const RetryRules& retry) {
  HedgingRules::Overrides overrides = hedging.overrides();
  for (const auto& [key, options] : retry.overrides()) {
    if (options.max_attempts <= 1 || overrides.contains(key)) continue;
    HedgingOptions off = hedging.defaults();
    off.max_attempts = 1;
    overrides.emplace(key, off);
  }
  return HedgingRules(hedging.defaults(), std::move(overrides));
}

}  // namespace micro::governance

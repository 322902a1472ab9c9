// governance.client.retry: default + rules of RetryOptions, and the retry budget.
#include <limits>

#include "governance/rules/reader.h"
#include "governance/rules/sections.h"

namespace micro::governance::rules_internal {

namespace {

constexpr int kIntMax = std::numeric_limits<int>::max();
constexpr double kDoubleMax = std::numeric_limits<double>::max();

const Keys kRetryKeys = {"max_attempts",   "retryable_codes", "initial_backoff_ms",
                         "max_backoff_ms", "multiplier",      "idempotent"};

Result<RetryOptions> ParseRetryOptions(const config::Value& value, const std::string& path,
                                       RetryOptions o) {
  auto map = MapReader::Open(value, path, kRetryKeys);
  if (!map.ok()) return map.status();
  MICRO_RETURN_IF_ERROR(map->Int("max_attempts", 1, kIntMax, o.max_attempts));
  MICRO_RETURN_IF_ERROR(map->Codes("retryable_codes", o.retryable_codes));
  MICRO_RETURN_IF_ERROR(map->Millis("initial_backoff_ms", o.initial_backoff));
  MICRO_RETURN_IF_ERROR(map->Millis("max_backoff_ms", o.max_backoff));
  MICRO_RETURN_IF_ERROR(map->Double("multiplier", 1.0, kDoubleMax, o.multiplier));
  MICRO_RETURN_IF_ERROR(map->Bool("idempotent", o.idempotent));
  return o;
}

Result<std::optional<RetryBudgetOptions>> ParseBudget(const config::Value& value,
                                                      const std::string& path) {
  auto map = MapReader::Open(
      value, path, {"enabled", "ratio", "min_retries_per_second", "window_ms", "buckets"});
  if (!map.ok()) return map.status();
  bool enabled = true;
  MICRO_RETURN_IF_ERROR(map->Bool("enabled", enabled));
  RetryBudgetOptions o;
  MICRO_RETURN_IF_ERROR(map->Double("ratio", 0, kDoubleMax, o.ratio));
  MICRO_RETURN_IF_ERROR(
      map->Double("min_retries_per_second", 0, kDoubleMax, o.min_retries_per_second));
  MICRO_RETURN_IF_ERROR(map->Millis("window_ms", o.window));
  MICRO_RETURN_IF_ERROR(map->Int("buckets", 1, kIntMax, o.buckets));
  if (Status s = o.Validate(); !s.ok()) {
    return Status::InvalidArgument(path + ": " + s.message());
  }
  if (!enabled) return std::optional<RetryBudgetOptions>();
  return std::optional<RetryBudgetOptions>(o);
}

}  // namespace

Result<RetryConfig> ParseRetry(const config::Value& value, const std::string& path) {
  auto section = MapReader::Open(value, path, {"default", "rules", "budget"});
  if (!section.ok()) return section.status();
  RetryConfig out;
  auto rules =
      ReadPolicyRules<RetryOptions>(*section, /*methods=*/true, kRetryKeys, ParseRetryOptions);
  if (!rules.ok()) return rules.status();
  out.rules = std::move(*rules);
  if (const config::Value* budget = section->Find("budget")) {
    auto parsed = ParseBudget(*budget, section->PathOf("budget"));
    if (!parsed.ok()) return parsed.status();
    out.budget = *parsed;
  }
  return out;
}

}  // namespace micro::governance::rules_internal

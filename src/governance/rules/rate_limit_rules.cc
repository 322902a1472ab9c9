// governance.server.rate_limit: {rules: [RateLimitRule...]}, each with exactly one of
// token_bucket, sliding_window, leaky_bucket or redis (one global bucket, by: all).
#include <limits>
#include <map>
#include <optional>

#include "governance/rules/reader.h"
#include "governance/rules/sections.h"

namespace micro::governance::rules_internal {

namespace {

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr double kDoubleMax = std::numeric_limits<double>::max();

Result<RedisLimiterOptions> ParseRedis(const config::Value& value, const std::string& path) {
  auto map =
      MapReader::Open(value, path,
                      {"url", "key", "rate", "burst", "expected_processes", "fallback_rate",
                       "lease_period_ms", "max_lease", "reconnect_min_ms", "reconnect_max_ms"});
  if (!map.ok()) return map.status();
  RedisLimiterOptions o;
  MICRO_RETURN_IF_ERROR(map->String("url", o.url));
  MICRO_RETURN_IF_ERROR(map->String("key", o.key));
  MICRO_RETURN_IF_ERROR(map->Double("rate", 0, kDoubleMax, o.rate));
  MICRO_RETURN_IF_ERROR(map->Int("burst", 0, kInt64Max, o.burst));
  MICRO_RETURN_IF_ERROR(
      map->Int("expected_processes", 1, std::numeric_limits<int>::max(), o.expected_processes));
  MICRO_RETURN_IF_ERROR(map->Double("fallback_rate", 0, kDoubleMax, o.fallback_rate));
  MICRO_RETURN_IF_ERROR(map->Millis("lease_period_ms", o.lease_period));
  MICRO_RETURN_IF_ERROR(map->Int("max_lease", 0, kInt64Max, o.max_lease));
  MICRO_RETURN_IF_ERROR(map->Millis("reconnect_min_ms", o.reconnect_min));
  MICRO_RETURN_IF_ERROR(map->Millis("reconnect_max_ms", o.reconnect_max));
  if (Status s = o.Validate(); !s.ok()) {
    return Status::InvalidArgument(path + ": " + s.message());
  }
  return o;
}

Result<LimiterConfig> ParseLimiter(const MapReader& rule) {
  const char* kinds[] = {"token_bucket", "sliding_window", "leaky_bucket", "redis"};
  const char* found = nullptr;
  for (const char* kind : kinds) {
    if (!rule.Has(kind)) continue;
    if (found != nullptr) {
      return Status::InvalidArgument(rule.path() + ": one limiter per rule, got " + found +
                                     " and " + kind);
    }
    found = kind;
  }
  if (found == nullptr) {
    return Status::InvalidArgument(
        rule.path() +
        ": a rule needs a limiter: token_bucket, sliding_window, leaky_bucket or redis");
  }
  std::string path = rule.PathOf(found);
  const config::Value& value = *rule.Find(found);
  if (std::string_view(found) == "redis") return LimiterConfig();  // ParseRule reads it
  if (std::string_view(found) == "token_bucket") {
    auto map = MapReader::Open(value, path, {"rate", "burst"});
    if (!map.ok()) return map.status();
    TokenBucketOptions o;
    MICRO_RETURN_IF_ERROR(map->Double("rate", 0, kDoubleMax, o.rate));
    MICRO_RETURN_IF_ERROR(map->Int("burst", 0, kInt64Max, o.burst));
    return LimiterConfig(o);
  }
  if (std::string_view(found) == "sliding_window") {
    auto map = MapReader::Open(value, path, {"limit", "window_ms"});
    if (!map.ok()) return map.status();
    SlidingWindowOptions o;
    MICRO_RETURN_IF_ERROR(map->Int("limit", 1, SlidingWindow::kMaxLimit, o.limit));
    MICRO_RETURN_IF_ERROR(map->Nanos("window_ms", o.window));
    return LimiterConfig(o);
  }
  auto map = MapReader::Open(value, path, {"rate", "queue_depth"});
  if (!map.ok()) return map.status();
  LeakyBucketOptions o;
  MICRO_RETURN_IF_ERROR(map->Double("rate", 0, kDoubleMax, o.rate));
  MICRO_RETURN_IF_ERROR(map->Int("queue_depth", 0, kInt64Max, o.queue_depth));
  return LimiterConfig(o);
}

Result<RateLimitRule> ParseRule(const config::Value& value, const std::string& path,
                                std::optional<RedisLimiterOptions>& redis) {
  auto map = MapReader::Open(
      value, path,
      {"method", "by", "caller_key", "per_method", "ip_metadata_key", "token_bucket",
       "sliding_window", "leaky_bucket", "redis", "max_keys", "idle_timeout_ms"});
  if (!map.ok()) return map.status();
  RateLimitRule rule;
  MICRO_RETURN_IF_ERROR(map->String("method", rule.method));
  if (const config::Value* by = map->Find("by")) {
    std::string name;
    MICRO_RETURN_IF_ERROR(map->String("by", name));
    if (name == "method") {
      rule.by = LimitBy::kMethod;
    } else if (name == "caller") {
      rule.by = LimitBy::kCaller;
    } else if (name == "ip") {
      rule.by = LimitBy::kIp;
    } else if (name == "all") {
      rule.by = LimitBy::kAll;
    } else {
      return Expected(map->PathOf("by"), "method, caller, ip or all", *by);
    }
  }
  MICRO_RETURN_IF_ERROR(map->String("caller_key", rule.caller_key));
  MICRO_RETURN_IF_ERROR(map->Bool("per_method", rule.per_method));
  MICRO_RETURN_IF_ERROR(map->String("ip_metadata_key", rule.ip_metadata_key));
  auto limiter = ParseLimiter(*map);
  if (!limiter.ok()) return limiter.status();
  rule.limiter = *limiter;
  MICRO_RETURN_IF_ERROR(map->Size("max_keys", 16, rule.max_keys));
  MICRO_RETURN_IF_ERROR(map->Nanos("idle_timeout_ms", rule.idle_timeout));
  if (const config::Value* r = map->Find("redis")) {
    auto options = ParseRedis(*r, map->PathOf("redis"));
    if (!options.ok()) return options.status();
    if (rule.by != LimitBy::kAll) {
      return Status::InvalidArgument(map->PathOf("redis") +
                                     ": a global limit counts every call together: only with "
                                     "by: all");
    }
    redis = std::move(*options);
  }
  if (Status s = rule.Validate(); !s.ok()) {
    return Status::InvalidArgument(path + ": " + s.message());
  }
  return rule;
}

}  // namespace

Status ParseRateLimit(const config::Value& value, const std::string& path, ServerGovernance& out) {
  auto section = MapReader::Open(value, path, {"rules"});
  if (!section.ok()) return section.status();
  std::vector<RateLimitRule> rules;
  std::map<size_t, RedisLimiterOptions> redis_limits;
  const config::Value* list = section->Find("rules");
  if (list != nullptr && !list->is_null()) {
    if (!list->is_list()) return Expected(section->PathOf("rules"), "a list of rules", *list);
    for (size_t i = 0; i < list->as_list().size(); ++i) {
      std::optional<RedisLimiterOptions> redis;
      auto rule =
          ParseRule(list->as_list()[i], section->PathOf("rules." + std::to_string(i)), redis);
      if (!rule.ok()) return rule.status();
      if (redis) redis_limits.emplace(i, std::move(*redis));
      rules.push_back(std::move(*rule));
    }
  }
  out.rate_limit = std::move(rules);
  out.redis_limits = std::move(redis_limits);
  return {};
}

}  // namespace micro::governance::rules_internal

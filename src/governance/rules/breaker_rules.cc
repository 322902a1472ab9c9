// governance.client.breaker (per method) and governance.client.endpoint_breaker (per node):
// default + rules of BreakerOptions.
#include <limits>

#include "governance/rules/reader.h"
#include "governance/rules/sections.h"

namespace micro::governance::rules_internal {

namespace {

constexpr int kIntMax = std::numeric_limits<int>::max();
constexpr double kDoubleMax = std::numeric_limits<double>::max();

Status ParseHystrix(const config::Value& value, const std::string& path, HystrixOptions& o) {
  auto map = MapReader::Open(value, path,
                             {"window_ms", "buckets", "request_volume_threshold",
                              "error_threshold_percent", "sleep_window_ms", "half_open_probes"});
  if (!map.ok()) return map.status();
  MICRO_RETURN_IF_ERROR(map->Millis("window_ms", o.window));
  MICRO_RETURN_IF_ERROR(map->Int("buckets", 1, kIntMax, o.buckets));
  MICRO_RETURN_IF_ERROR(
      map->Int("request_volume_threshold", 0, kIntMax, o.request_volume_threshold));
  MICRO_RETURN_IF_ERROR(map->Double("error_threshold_percent", 0, 100, o.error_threshold_percent));
  MICRO_RETURN_IF_ERROR(map->Millis("sleep_window_ms", o.sleep_window));
  MICRO_RETURN_IF_ERROR(map->Int("half_open_probes", 1, kIntMax, o.half_open_probes));
  return {};
}

Status ParseSre(const config::Value& value, const std::string& path, SreOptions& o) {
  auto map = MapReader::Open(value, path, {"window_ms", "buckets", "k", "min_requests"});
  if (!map.ok()) return map.status();
  MICRO_RETURN_IF_ERROR(map->Millis("window_ms", o.window));
  MICRO_RETURN_IF_ERROR(map->Int("buckets", 1, kIntMax, o.buckets));
  MICRO_RETURN_IF_ERROR(map->Double("k", 0, kDoubleMax, o.k));
  MICRO_RETURN_IF_ERROR(map->Int("min_requests", 0, kIntMax, o.min_requests));
  return {};
}

const Keys kBreakerKeys = {"kind", "failure_codes", "hystrix", "sre"};

Result<BreakerOptions> ParseBreakerOptions(const config::Value& value, const std::string& path,
                                           BreakerOptions o) {
  auto map = MapReader::Open(value, path, kBreakerKeys);
  if (!map.ok()) return map.status();
  if (const config::Value* kind = map->Find("kind")) {
    std::string name;
    MICRO_RETURN_IF_ERROR(map->String("kind", name));
    if (name == "hystrix") {
      o.kind = BreakerKind::kHystrix;
    } else if (name == "sre") {
      o.kind = BreakerKind::kSre;
    } else {
      return Expected(map->PathOf("kind"), "hystrix or sre", *kind);
    }
  }
  MICRO_RETURN_IF_ERROR(map->Codes("failure_codes", o.failure_codes));
  if (const config::Value* v = map->Find("hystrix")) {
    MICRO_RETURN_IF_ERROR(ParseHystrix(*v, map->PathOf("hystrix"), o.hystrix));
  }
  if (const config::Value* v = map->Find("sre")) {
    MICRO_RETURN_IF_ERROR(ParseSre(*v, map->PathOf("sre"), o.sre));
  }
  return o;
}

}  // namespace

Result<BreakerRules> ParseBreaker(const config::Value& value, const std::string& path,
                                  bool methods) {
  auto section = MapReader::Open(value, path, {"default", "rules"});
  if (!section.ok()) return section.status();
  return ReadPolicyRules<BreakerOptions>(*section, methods, kBreakerKeys, ParseBreakerOptions);
}

}  // namespace micro::governance::rules_internal

// governance.client.outlier: default + per-service rules of OutlierOptions.
#include <limits>

#include "governance/rules/reader.h"
#include "governance/rules/sections.h"

namespace micro::governance::rules_internal {

namespace {

constexpr int kIntMax = std::numeric_limits<int>::max();
constexpr double kDoubleMax = std::numeric_limits<double>::max();

const Keys kOutlierKeys = {"consecutive_failures",  "failure_codes",        "latency_factor",
                           "interval_ms",           "latency_min_requests", "latency_min_hosts",
                           "base_ejection_time_ms", "max_ejection_time_ms", "max_ejection_percent"};

Result<OutlierOptions> ParseOutlierOptions(const config::Value& value, const std::string& path,
                                           OutlierOptions o) {
  auto map = MapReader::Open(value, path, kOutlierKeys);
  if (!map.ok()) return map.status();
  MICRO_RETURN_IF_ERROR(map->Int("consecutive_failures", 0, kIntMax, o.consecutive_failures));
  MICRO_RETURN_IF_ERROR(map->Codes("failure_codes", o.failure_codes));
  MICRO_RETURN_IF_ERROR(map->Double("latency_factor", 0, kDoubleMax, o.latency_factor));
  MICRO_RETURN_IF_ERROR(map->Millis("interval_ms", o.interval));
  MICRO_RETURN_IF_ERROR(map->Int("latency_min_requests", 0, kIntMax, o.latency_min_requests));
  MICRO_RETURN_IF_ERROR(map->Int("latency_min_hosts", 0, kIntMax, o.latency_min_hosts));
  MICRO_RETURN_IF_ERROR(map->Millis("base_ejection_time_ms", o.base_ejection_time));
  MICRO_RETURN_IF_ERROR(map->Millis("max_ejection_time_ms", o.max_ejection_time));
  MICRO_RETURN_IF_ERROR(map->Int("max_ejection_percent", 0, 100, o.max_ejection_percent));
  return o;
}

}  // namespace

Result<OutlierRules> ParseOutlier(const config::Value& value, const std::string& path) {
  auto section = MapReader::Open(value, path, {"default", "rules"});
  if (!section.ok()) return section.status();
  return ReadPolicyRules<OutlierOptions>(*section, /*methods=*/false, kOutlierKeys,
                                         ParseOutlierOptions);
}

}  // namespace micro::governance::rules_internal

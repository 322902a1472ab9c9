// governance.server.shedding: ShedderInterceptorOptions (the shedder's options + exempt).
#include "governance/rules/reader.h"
#include "governance/rules/sections.h"

namespace micro::governance::rules_internal {

Result<ShedderInterceptorOptions> ParseShedding(const config::Value& value,
                                                const std::string& path) {
  auto map = MapReader::Open(value, path,
                             {"cpu_threshold", "window_ms", "buckets", "cool_off_ms", "exempt"});
  if (!map.ok()) return map.status();
  ShedderInterceptorOptions o;
  MICRO_RETURN_IF_ERROR(map->Double("cpu_threshold", 0, 1, o.shedder.cpu_threshold));
  MICRO_RETURN_IF_ERROR(map->Nanos("window_ms", o.shedder.window));
  MICRO_RETURN_IF_ERROR(map->Int("buckets", 2, 1000, o.shedder.buckets));
  MICRO_RETURN_IF_ERROR(map->Nanos("cool_off_ms", o.shedder.cool_off));
  MICRO_RETURN_IF_ERROR(map->StringList("exempt", o.exempt));
  if (Status s = o.Validate(); !s.ok()) {
    return Status::InvalidArgument(path + ": " + s.message());
  }
  return o;
}

}  // namespace micro::governance::rules_internal

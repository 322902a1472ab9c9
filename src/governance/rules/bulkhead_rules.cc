// governance.server.bulkhead: {rules: [{method, max_concurrent, max_wait_ms, max_waiting}]}.
#include <limits>

#include "governance/rules/reader.h"
#include "governance/rules/sections.h"

namespace micro::governance::rules_internal {

namespace {

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

Result<BulkheadRule> ParseRule(const config::Value& value, const std::string& path) {
  auto map =
      MapReader::Open(value, path, {"method", "max_concurrent", "max_wait_ms", "max_waiting"});
  if (!map.ok()) return map.status();
  BulkheadRule rule;
  MICRO_RETURN_IF_ERROR(map->String("method", rule.method));
  MICRO_RETURN_IF_ERROR(map->Int("max_concurrent", 1, kInt64Max, rule.bulkhead.max_concurrent));
  MICRO_RETURN_IF_ERROR(map->Nanos("max_wait_ms", rule.bulkhead.max_wait));
  MICRO_RETURN_IF_ERROR(map->Int("max_waiting", 0, kInt64Max, rule.bulkhead.max_waiting));
  if (Status s = rule.Validate(); !s.ok()) {
    return Status::InvalidArgument(path + ": " + s.message());
  }
  return rule;
}

}  // namespace

Result<std::vector<BulkheadRule>> ParseBulkhead(const config::Value& value,
                                                const std::string& path) {
  auto section = MapReader::Open(value, path, {"rules"});
  if (!section.ok()) return section.status();
  std::vector<BulkheadRule> rules;
  const config::Value* list = section->Find("rules");
  if (list == nullptr || list->is_null()) return rules;
  if (!list->is_list()) return Expected(section->PathOf("rules"), "a list of rules", *list);
  for (size_t i = 0; i < list->as_list().size(); ++i) {
    auto rule = ParseRule(list->as_list()[i], section->PathOf("rules." + std::to_string(i)));
    if (!rule.ok()) return rule.status();
    rules.push_back(std::move(*rule));
  }
  return rules;
}

}  // namespace micro::governance::rules_internal

// governance.client: selector, zone, lanes and services.<name> (selector, versions).
#include <limits>

#include <micro/selector/selector.h>

#include "governance/rules/reader.h"
#include "governance/rules/sections.h"

namespace micro::governance::rules_internal {

using config::Value;

namespace {

constexpr size_t kMaxVersions = 64;  // VersionWeightsFilter's bound

// "consistent_hash?key=x" is accepted for "consistent_hash://?key=x"; the selector is built
// once here so that a bad name or option fails at load, not on the first call.
Status ReadSelector(const MapReader& map, std::string& out) {
  std::string url;
  MICRO_RETURN_IF_ERROR(map.String("selector", url));
  if (!map.Has("selector")) return {};
  if (url.find("://") == std::string::npos && url.find('?') != std::string::npos) {
    url.insert(url.find('?'), "://");
  }
  selector::RegisterBuiltinSelectors();
  auto created = selector::SelectorPlugins().Create(url);
  if (!created.ok()) {
    return Status::InvalidArgument(map.PathOf("selector") + ": " + created.status().message());
  }
  out = std::move(url);
  return {};
}

Status ReadVersions(const Value& value, const std::string& path,
                    std::vector<std::pair<std::string, uint32_t>>& out) {
  if (!value.is_map()) return Expected(path, "a map of version: weight", value);
  for (const auto& [version, weight] : FlattenScalars(value)) {
    int64_t w = -1;
    if (weight->kind() == Value::Kind::kInt) w = weight->as_int();
    if (w < 0 || w > std::numeric_limits<uint32_t>::max()) {
      return Expected(Join(path, version), "a weight, an integer >= 0", *weight);
    }
    out.emplace_back(version, static_cast<uint32_t>(w));
  }
  if (out.size() > kMaxVersions) {
    return Status::InvalidArgument(path + ": at most " + std::to_string(kMaxVersions) +
                                   " versions");
  }
  return {};
}

bool LooksLikeService(const Value& v) {
  if (!v.is_map() || v.as_map().empty()) return true;
  for (const auto& [key, child] : v.as_map()) {
    if (key == "selector" || key == "versions" || !child.is_map()) return true;
  }
  return false;
}

Status ReadService(const Value& value, const std::string& name, const std::string& path,
                   RoutingConfig& out) {
  // A service name with dots arrives nested ("shop.inventory" as shop: {inventory: ...}).
  if (!LooksLikeService(value)) {
    for (const auto& [key, child] : value.as_map()) {
      MICRO_RETURN_IF_ERROR(ReadService(child, name + "." + key, path, out));
    }
    return {};
  }
  auto map = MapReader::Open(value, path + "." + name, {"selector", "versions"});
  if (!map.ok()) return map.status();
  ServiceRouting routing;
  MICRO_RETURN_IF_ERROR(ReadSelector(*map, routing.selector));
  if (const Value* v = map->Find("versions")) {
    MICRO_RETURN_IF_ERROR(ReadVersions(*v, map->PathOf("versions"), routing.versions));
  }
  out.services[name] = std::move(routing);
  return {};
}

}  // namespace

Status ParseRouting(const MapReader& client, RoutingConfig& out) {
  const MapReader* map = &client;
  MICRO_RETURN_IF_ERROR(ReadSelector(*map, out.selector));
  MICRO_RETURN_IF_ERROR(map->String("zone", out.zone));
  MICRO_RETURN_IF_ERROR(map->Bool("lanes", out.lanes));
  if (const Value* services = map->Find("services")) {
    std::string services_path = map->PathOf("services");
    if (services->is_null()) return {};
    if (!services->is_map()) return Expected(services_path, "a map keyed by service", *services);
    for (const auto& [name, value] : services->as_map()) {
      MICRO_RETURN_IF_ERROR(ReadService(value, name, services_path, out));
    }
  }
  return {};
}

}  // namespace micro::governance::rules_internal

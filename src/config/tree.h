// Building and stacking configuration trees. Internal to libmicro.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include <micro/config/source.h>
#include <micro/config/value.h>
#include <micro/core/status.h>

namespace micro::config {

// Sets the node at dotted `key` below `root` (a map), creating maps along the way and
// replacing any non-map in the way. When the node there and `value` are both maps they
// merge, `value` winning. INVALID_ARGUMENT for an empty key or segment ("a..b").
Status SetPath(Value& root, std::string_view key, Value value);

// Merges `src` over `dst`: maps merge key by key, anything else replaces.
void MergeValue(Value& dst, Value src);

// The effective configuration: the merged tree and which layer set each node.
struct Snapshot {
  Value root = Value::Map{};
  // Dotted path -> origin, for every node that is not the root. Leaves carry the finest
  // origin a layer reported ("env:MICRO_SERVER_PORT"), maps the name of the highest layer
  // that set anything below them.
  std::map<std::string, std::string, std::less<>> origins;
};

// Lays `layer` (from the source named `layer_name`) over `snapshot`.
void Overlay(Snapshot& snapshot, const Tree& layer, const std::string& layer_name);

// Every path below `root` holding a scalar (not null) or a list, sorted.
void CollectLeafKeys(const Value& root, const std::string& prefix, std::vector<std::string>& out);

}  // namespace micro::config

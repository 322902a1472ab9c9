#include "config/tree.h"

#include <algorithm>
#include <utility>

namespace micro::config {

Status SetPath(Value& root, std::string_view key, Value value) {
  std::vector<std::string> segments = SplitKey(key);
  if (segments.empty()) return Status::InvalidArgument("empty key");
  for (const auto& s : segments) {
    if (s.empty()) return Status::InvalidArgument("bad key \"" + std::string(key) + "\"");
  }
  Value* node = &root;
  for (const auto& segment : segments) {
    if (!node->is_map()) *node = Value::Map{};
    node = &node->as_map()[segment];
  }
  if (node->is_map() && value.is_map()) {
    MergeValue(*node, std::move(value));
  } else {
    *node = std::move(value);
  }
  return {};
}

void MergeValue(Value& dst, Value src) {
  if (!dst.is_map() || !src.is_map()) {
    dst = std::move(src);
    return;
  }
  for (auto& [key, child] : src.as_map()) MergeValue(dst.as_map()[key], std::move(child));
}

namespace {

std::string Join(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

// Forgets the origins of the nodes strictly below `path`.
void EraseOriginsBelow(Snapshot& s, const std::string& path) {
  if (path.empty()) {
    s.origins.clear();
    return;
  }
  std::string prefix = path + ".";
  auto it = s.origins.lower_bound(prefix);
  while (it != s.origins.end() && it->first.starts_with(prefix)) it = s.origins.erase(it);
}

void OverlayNode(Snapshot& s, Value& dst, const Value& src, const std::string& path,
                 const Tree& layer, const std::string& layer_name) {
  if (src.is_map()) {
    if (!dst.is_map()) {
      EraseOriginsBelow(s, path);
      dst = Value::Map{};
    }
    if (!path.empty()) s.origins[path] = layer_name;
    for (const auto& [key, child] : src.as_map()) {
      OverlayNode(s, dst.as_map()[key], child, Join(path, key), layer, layer_name);
    }
    return;
  }
  EraseOriginsBelow(s, path);
  dst = src;
  auto fine = layer.origins.find(path);
  s.origins[path] = fine != layer.origins.end() ? fine->second : layer_name;
}

}  // namespace

void Overlay(Snapshot& snapshot, const Tree& layer, const std::string& layer_name) {
  OverlayNode(snapshot, snapshot.root, layer.root, "", layer, layer_name);
}

void CollectLeafKeys(const Value& root, const std::string& prefix, std::vector<std::string>& out) {
  size_t first = out.size();
  if (root.is_map()) {
    for (const auto& [key, child] : root.as_map()) {
      if (child.is_map()) {
        CollectLeafKeys(child, Join(prefix, key), out);
      } else if (!child.is_null()) {
        out.push_back(Join(prefix, key));
      }
    }
  }
  if (prefix.empty()) std::sort(out.begin() + static_cast<std::ptrdiff_t>(first), out.end());
}

}  // namespace micro::config

// Reading routing labels off a registry node. Internal to libmicro.
#pragma once

#include <string>
#include <string_view>

#include <micro/registry/registry.h>

namespace micro::selector {

// The node's metadata value for `key`, or "" when absent.
inline std::string_view Label(const registry::Node& node, const std::string& key) {
  auto it = node.metadata.find(key);
  return it == node.metadata.end() ? std::string_view() : std::string_view(it->second);
}

// registry::Node::version, or metadata "version" for nodes registered without one.
inline std::string_view VersionOf(const registry::Node& node) {
  if (!node.version.empty()) return node.version;
  return Label(node, "version");
}

}  // namespace micro::selector

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

#include "config/sources.h"
#include "config/tree.h"

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX leaves it undeclared

namespace micro::config {

namespace {

// SERVER_MAX__BODY -> server.max_body; "" when a segment would be empty (SERVER__ or _X).
std::string KeyForEnvName(std::string_view rest) {
  std::string key;
  bool segment_empty = true;
  for (size_t i = 0; i < rest.size(); ++i) {
    char c = rest[i];
    if (c == '_' && i + 1 < rest.size() && rest[i + 1] == '_') {
      key += '_';
      segment_empty = false;
      ++i;
    } else if (c == '_') {
      if (segment_empty) return "";
      key += '.';
      segment_empty = true;
    } else {
      key += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
      segment_empty = false;
    }
  }
  return segment_empty ? "" : key;
}

class EnvSource : public Source {
 public:
  explicit EnvSource(std::string prefix) : prefix_(std::move(prefix)) {}

  // config::Source
  std::string name() const override { return "env:" + prefix_ + "*"; }

  Result<Tree> Load() override {
    std::vector<std::pair<std::string, std::string>> vars;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
      std::string_view entry(*e);
      if (!entry.starts_with(prefix_)) continue;
      size_t eq = entry.find('=');
      if (eq == std::string_view::npos) continue;
      vars.emplace_back(entry.substr(0, eq), entry.substr(eq + 1));
    }
    // Sorted, so that MICRO_SERVER=x and MICRO_SERVER_PORT=1 resolve the same way every
    // time: the longer name comes later and wins (server becomes a map).
    std::sort(vars.begin(), vars.end());
    Tree tree;
    for (auto& [name, value] : vars) {
      std::string key = KeyForEnvName(std::string_view(name).substr(prefix_.size()));
      if (key.empty()) {
        spdlog::debug("config: ignoring {}: it names no key", name);
        continue;
      }
      if (!SetPath(tree.root, key, Value(std::move(value))).ok()) continue;
      tree.origins[key] = "env:" + name;
    }
    return tree;
  }

 private:
  const std::string prefix_;
};

}  // namespace

std::unique_ptr<Source> NewEnvSource(std::string prefix) {
  return std::make_unique<EnvSource>(std::move(prefix));
}

std::string EnvNameForKey(std::string_view prefix, std::string_view key) {
  std::string name(prefix);
  for (char c : key) {
    if (c == '.') {
      name += '_';
    } else if (c == '_') {
      name += "__";
    } else {
      name += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    }
  }
  return name;
}

}  // namespace micro::config

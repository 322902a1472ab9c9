// PluginTable<Interface>: the one place where the implementations of an interface are
// registered by URL scheme and created from a URL.
//
//   auto& table = registry::RegistryPlugins();           // a PluginTable<Registry>
//   auto reg = table.Create("platform://127.0.0.1:8500");  // Result<std::unique_ptr<Registry>>
//
// Built-ins are registered explicitly by each component's RegisterBuiltin...() function
// (no static initialisers, which vanish from static archives). A test may Register() a
// fake under a scheme of its own. All methods are thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <micro/core/result.h>
#include <micro/core/url.h>

namespace micro {

template <typename Interface>
class PluginTable {
 public:
  using Factory = std::function<Result<std::unique_ptr<Interface>>(const Url&)>;

  explicit PluginTable(std::string kind) : kind_(std::move(kind)) {}

  // Fails with ALREADY_EXISTS when the scheme is taken.
  Status Register(const std::string& scheme, Factory factory) {
    std::lock_guard lock(mu_);
    if (!factories_.emplace(scheme, std::move(factory)).second) {
      return Status::AlreadyExists(kind_ + " plugin '" + scheme + "' is already registered");
    }
    return {};
  }

  std::vector<std::string> Names() const {
    std::lock_guard lock(mu_);
    std::vector<std::string> names;
    for (const auto& [name, f] : factories_) names.push_back(name);
    return names;
  }

  // Accepts a URL ("platform://127.0.0.1:8500") or a bare name ("round_robin").
  Result<std::unique_ptr<Interface>> Create(std::string_view url_text) const {
    if (url_text.find("://") == std::string_view::npos) {
      Url bare;
      bare.scheme = std::string(url_text);
      return Create(bare);
    }
    auto url = Url::Parse(url_text);
    if (!url.ok()) return url.status();
    return Create(*url);
  }

  Result<std::unique_ptr<Interface>> Create(const Url& url) const {
    Factory factory;
    {
      std::lock_guard lock(mu_);
      auto it = factories_.find(url.scheme);
      if (it == factories_.end()) {
        std::string known;
        for (const auto& [name, f] : factories_) known += (known.empty() ? "" : ", ") + name;
        return Status::InvalidArgument("unknown " + kind_ + " scheme '" + url.scheme +
                                       "://'; known: " + known);
      }
      factory = it->second;
    }
    return factory(url);
  }

 private:
  std::string kind_;
  mutable std::mutex mu_;
  std::map<std::string, Factory> factories_;
};

}  // namespace micro

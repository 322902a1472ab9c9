// The one table of built-in registries, and what every plugin shares.
#include <micro/registry/registry.h>

#include <mutex>

#include "registry/builtin.h"

namespace micro::registry {

std::string Node::Address(const std::string& protocol) const {
  auto it = ports.find(protocol);
  if (it == ports.end()) return "";
  // An IPv6 literal needs brackets to be dialable as host:port.
  bool v6 = host.find(':') != std::string::npos && host.front() != '[';
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(it->second);
}

PluginTable<Registry>& RegistryPlugins() {
  static auto* table = new PluginTable<Registry>("registry");
  return *table;
}

void RegisterBuiltinRegistries() {
  static std::once_flag once;
  std::call_once(once, [] {
    auto& t = RegistryPlugins();
    (void)t.Register("memory", NewMemoryRegistry);
    (void)t.Register("platform", NewPlatformRegistry);
  });
}

Result<std::unique_ptr<Registry>> NewRegistry(const std::string& url) {
  RegisterBuiltinRegistries();
  return RegistryPlugins().Create(url);
}

}  // namespace micro::registry

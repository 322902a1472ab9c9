// DiscoveryCache: the client's local view of the registry. Each service a client calls is
// resolved once, then kept fresh by one watch on the registry; while the registry is
// unreachable the last known nodes keep being served. Internal to the client.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <micro/core/result.h>
#include <micro/registry/registry.h>

namespace micro::client {

using NodeList = std::vector<registry::Node>;

class DiscoveryCache {
 public:
  explicit DiscoveryCache(std::shared_ptr<registry::Registry> registry);
  ~DiscoveryCache();

  // The current nodes of `service` (possibly empty). Resolves through the registry on
  // first use; UNAVAILABLE when that first lookup cannot reach the registry.
  Result<std::shared_ptr<const NodeList>> Nodes(const std::string& service);
  // Forces a fresh lookup (used when the cached list is empty).
  Result<std::shared_ptr<const NodeList>> Refresh(const std::string& service);

 private:
  void WatchLoop();
  void Apply(const registry::Event& event);
  void ResyncAll();

  std::shared_ptr<registry::Registry> registry_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<const NodeList>> services_;

  std::mutex watcher_mu_;
  std::unique_ptr<registry::Watcher> watcher_;
  std::atomic<bool> stopping_{false};
  std::thread watch_thread_;
};

}  // namespace micro::client

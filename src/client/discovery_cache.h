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

// One immutable snapshot of a service's nodes, shared by every call that reads it, with
// what each call needs precomputed: the nodes that speak the client's protocol and their
// dial addresses.
class NodeView {
 public:
  static std::shared_ptr<const NodeView> Make(NodeList nodes, const std::string& protocol);

  const NodeList& nodes() const { return nodes_; }
  // The candidates for a call: nodes serving the client's protocol, sorted by id.
  const std::vector<const registry::Node*>& speaking() const { return speaking_; }
  // "host:port" of a node of this view (one of speaking()).
  const std::string& AddressOf(const registry::Node* node) const {
    return addresses_[static_cast<size_t>(node - nodes_.data())];
  }

 private:
  NodeList nodes_;
  std::vector<const registry::Node*> speaking_;
  std::vector<std::string> addresses_;  // parallel to nodes_; "" for non-speaking ones
};

class DiscoveryCache {
 public:
  DiscoveryCache(std::shared_ptr<registry::Registry> registry, std::string protocol);
  ~DiscoveryCache();

  // The current nodes of `service` (possibly none). Resolves through the registry on
  // first use; UNAVAILABLE when that first lookup cannot reach the registry.
  Result<std::shared_ptr<const NodeView>> Nodes(const std::string& service);
  // Forces a fresh lookup (used when the cached list is empty).
  Result<std::shared_ptr<const NodeView>> Refresh(const std::string& service);

 private:
  void WatchLoop();
  void Apply(const registry::Event& event);
  void ResyncAll();

  std::shared_ptr<registry::Registry> registry_;
  const std::string protocol_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<const NodeView>, std::less<>> services_;

  std::mutex watcher_mu_;
  std::unique_ptr<registry::Watcher> watcher_;
  std::atomic<bool> stopping_{false};
  std::thread watch_thread_;
};

}  // namespace micro::client

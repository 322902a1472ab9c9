// DiscoveryCache: the client's local view of the registry. Each service a client calls is
// resolved once, then kept fresh by one watch on the registry; while the registry is
// unreachable the last known nodes keep being served. Internal to the client.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include <micro/core/result.h>
#include <micro/registry/registry.h>
#include <micro/selector/selector.h>

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

// What the client keeps per service it calls: its current nodes and its selector. An
// entry is made on a service's first use and kept as long as the cache, so that a call
// finds it with one lock-free lookup and reads both with one atomic load each.
struct ServiceEntry {
  explicit ServiceEntry(std::string service) : name(std::move(service)) {}
  const std::string name;
  std::atomic<std::shared_ptr<const NodeView>> view;          // null until first resolved
  std::atomic<std::shared_ptr<selector::Selector>> selector;  // null: the client picks one
};

class DiscoveryCache {
 public:
  DiscoveryCache(std::shared_ptr<registry::Registry> registry, std::string protocol);
  ~DiscoveryCache();

  // The entry of `service`, made on first use.
  ServiceEntry& Entry(std::string_view service);
  // The current nodes of the entry's service (possibly none). Resolves through the
  // registry on first use; UNAVAILABLE when that first lookup cannot reach the registry.
  Result<std::shared_ptr<const NodeView>> Nodes(ServiceEntry& entry);
  // Forces a fresh lookup (used when the cached list is empty).
  Result<std::shared_ptr<const NodeView>> Refresh(ServiceEntry& entry);
  // Runs fn(entry) for every entry made so far.
  void ForEach(const std::function<void(ServiceEntry&)>& fn);

 private:
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  using EntryMap = std::unordered_map<std::string, ServiceEntry*, NameHash, std::equal_to<>>;

  ServiceEntry* Find(std::string_view service) const;
  void WatchLoop();
  void Apply(const registry::Event& event);
  void ResyncAll();

  std::shared_ptr<registry::Registry> registry_;
  const std::string protocol_;
  // Readers load the current map with one atomic read; a new service copies it under
  // mu_. Every version is kept (services are few), as are the entries.
  std::atomic<const EntryMap*> entries_{nullptr};
  std::vector<std::unique_ptr<const EntryMap>> maps_;  // guarded by mu_
  std::vector<std::unique_ptr<ServiceEntry>> owned_;   // guarded by mu_
  std::mutex mu_;  // serializes making entries and storing views

  std::mutex watcher_mu_;
  std::unique_ptr<registry::Watcher> watcher_;
  std::atomic<bool> stopping_{false};
  std::thread watch_thread_;
};

}  // namespace micro::client

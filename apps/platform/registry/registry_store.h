// RegistryStore: where `micro platform` keeps its registry. The HTTP API (registry_api.h)
// talks only to this interface, so a persistent store (SQLite), or one that runs health
// checks, replaces the in-memory one without touching the API.
//
//   auto store = micro::platform::NewInMemoryRegistryStore();
//   store->Register({.name = "greeter"}, node, std::chrono::seconds(10));
//   auto batch = store->EventsSince(0, "greeter");
//
// Thread-safe. Calls may block (disk I/O): never call them from an io thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <micro/core/result.h>
#include <micro/registry/memory_store.h>
#include <micro/registry/registry.h>

namespace micro::platform {

class RegistryStore {
 public:
  using EventBatch = registry::MemoryStore::EventBatch;

  virtual ~RegistryStore() = default;

  // Same rules as registry::Registry (MemoryStore::Validate), plus revisioned events.
  virtual Status Register(const registry::ServiceInfo& service, const registry::Node& node,
                          std::chrono::milliseconds ttl) = 0;
  virtual Status Heartbeat(const std::string& service, const std::string& node_id) = 0;
  virtual Status Deregister(const std::string& service, const std::string& node_id) = 0;
  virtual Result<registry::Service> Get(const std::string& service) = 0;
  virtual Result<std::vector<registry::ServiceSummary>> List() = 0;

  // Changes after `since` for one service ("" = all); a reset snapshot when `since` is no
  // longer (or never was) in the store's event log.
  virtual Result<EventBatch> EventsSince(uint64_t since, const std::string& service) = 0;
  virtual Result<EventBatch> Snapshot(const std::string& service) = 0;
  // Names the store's revision sequence (see MemoryStore::epoch()).
  virtual std::string epoch() const = 0;

  // Expires nodes whose TTL passed; the platform calls it on a timer.
  virtual void Sweep() = 0;

  // `on_change(revision)` runs after every change, on the thread that made it; it must be
  // quick and must not call back into the store. Returns an id for Unsubscribe().
  virtual uint64_t Subscribe(std::function<void(uint64_t revision)> on_change) = 0;
  virtual void Unsubscribe(uint64_t id) = 0;
};

// The store of a platform without persistence: a restart forgets every node (services
// re-register when their heartbeat gets NOT_FOUND).
std::unique_ptr<RegistryStore> NewInMemoryRegistryStore(
    registry::MemoryStore::Options options = {});

}  // namespace micro::platform

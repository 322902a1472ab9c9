// MemoryStore: registry state held in process memory. It keeps services, their nodes with
// TTL deadlines, and a revisioned, bounded log of change events. It backs both the memory://
// plugin and the in-memory store of `micro platform`, so the two keep the same rules for
// validation, TTL expiry and events.
//
//   micro::registry::MemoryStore store;
//   store.Register({.name = "greeter"}, node, std::chrono::seconds(10));
//   auto batch = store.EventsSince(0, "greeter");   // batch.events[0]: kAdd of `node`
//   store.Sweep();                                  // expires nodes whose TTL passed
//
// Expiry is lazy plus swept: every read or write first drops nodes whose TTL passed (emitting
// kRemove), and the owner calls Sweep() on a timer or while a watcher waits, so that expiry
// events appear even when nobody reads.
//
// Thread-safe. Listeners run on the thread that changed the store, under the store's lock,
// in revision order: they must be quick and must not call back into the store.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <micro/core/result.h>
#include <micro/registry/registry.h>

namespace micro::registry {

class MemoryStore {
 public:
  using Clock = std::chrono::steady_clock;

  struct Options {
    // Events kept for EventsSince(); a reader further behind gets a snapshot instead.
    size_t event_log_capacity = 4096;
    // Time source for TTLs; tests inject a fake clock. Default: Clock::now.
    std::function<Clock::time_point()> now{};
  };

  struct RevisionedEvent {
    uint64_t revision = 0;
    Event event{};
  };

  // What changed after a revision. When `reset` is set the reader fell out of the event
  // log (or asked for a revision this store never had): `snapshot` then holds the current
  // services and `events` is empty.
  struct EventBatch {
    uint64_t revision = 0;  // the store's revision when read; pass it as the next `since`
    bool reset = false;
    std::vector<RevisionedEvent> events{};
    std::vector<Service> snapshot{};
  };

  using Listener = std::function<void(const RevisionedEvent&)>;

  MemoryStore();
  explicit MemoryStore(Options options);
  ~MemoryStore();
  MemoryStore(const MemoryStore&) = delete;
  MemoryStore& operator=(const MemoryStore&) = delete;

  // The rules every registry applies to a registration: service name, node id, host and at
  // least one port (1..65535) are required, ttl > 0. INVALID_ARGUMENT names what is wrong.
  static Status Validate(const ServiceInfo& service, const Node& node,
                         std::chrono::milliseconds ttl);

  // Adds (kAdd) or replaces (kUpdate, only when the node changed) a node and renews its TTL.
  // A node without a version takes the service's version.
  Status Register(const ServiceInfo& service, const Node& node, std::chrono::milliseconds ttl);
  // NOT_FOUND when the node is unknown or its TTL already passed.
  Status Heartbeat(const std::string& service, const std::string& node_id);
  // Idempotent: removing an unknown node is OK (it may just have expired).
  Status Deregister(const std::string& service, const std::string& node_id);
  // Nodes sorted by id; NOT_FOUND when the service has no live node.
  Result<Service> Get(const std::string& service);
  // Sorted by service name.
  std::vector<ServiceSummary> List();

  // Events with revision > `since` for one service ("" = all services).
  EventBatch EventsSince(uint64_t since, const std::string& service);
  // The current nodes of one service ("" = all) as a reset batch.
  EventBatch Snapshot(const std::string& service);

  // Removes nodes whose TTL passed, emitting kRemove for each. Returns when the next node
  // will expire (time_point::max() when none will).
  Clock::time_point Sweep();

  uint64_t revision() const;
  // Names this store's revision sequence; a new store (a restarted platform) has another
  // epoch, so a reader holding a revision of the old one knows it must resync.
  const std::string& epoch() const;
  Clock::time_point Now() const;

  // Returns an id for Unsubscribe(). After Unsubscribe() returns the listener is not running
  // and will not run again.
  uint64_t Subscribe(Listener listener);
  void Unsubscribe(uint64_t id);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace micro::registry

// Service discovery: services register their nodes (instances) with a TTL and keep them
// alive with heartbeats; clients get, list and watch them by service name.
//
//   auto reg = micro::registry::RegistryPlugins().Create("platform://127.0.0.1:8500");
//   if (!reg.ok()) return reg.status();
//   micro::registry::Node node{.id = "greeter-1", .host = "127.0.0.1",
//                               .ports = {{"grpc", 50051}, {"http", 8080}}};
//   (*reg)->Register({.name = "greeter", .version = "1.0.0"}, node, std::chrono::seconds(10));
//
// Plugins, chosen by URL scheme: memory:// (in-process, for tests), platform://host:port
// (the `micro platform` process). All methods are thread-safe; they may block on I/O, so
// never call them from an event thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <micro/core/plugin_table.h>
#include <micro/core/result.h>

namespace micro::registry {

// One running instance of a service.
// (Every field has an initializer so that designated initializers may leave any out under
// -Wextra.)
struct Node {
  std::string id{};                         // unique within the service
  std::string host{};                       // address other processes dial
  std::map<std::string, uint16_t> ports{};  // per protocol: "grpc", "http"
  std::string version{};  // the service version this node runs (default: the service's)
  std::map<std::string, std::string> metadata{};  // weight, zone, lane, tags, ...

  // "host:port" for a protocol, or "" when the node does not speak it.
  std::string Address(const std::string& protocol) const;
  friend bool operator==(const Node&, const Node&) = default;
};

struct ServiceInfo {
  std::string name{};
  std::string version{};
  std::map<std::string, std::string> metadata{};
};

// A service and its live nodes, as Get() returns it.
struct Service {
  std::string name{};
  std::vector<Node> nodes{};
};

// One summary row per service, as List() returns it.
struct ServiceSummary {
  std::string name{};
  std::vector<std::string> versions{};
  std::vector<Node> nodes{};
};

struct Event {
  enum class Type { kAdd, kUpdate, kRemove };
  Type type = Type::kAdd;
  std::string service{};
  Node node{};
};

// A stream of changes. Next() blocks up to `timeout`; it returns DEADLINE_EXCEEDED when
// nothing happened, CANCELLED after Stop(), UNAVAILABLE while the registry is unreachable
// (the watcher keeps trying to reconnect; callers just call Next again).
class Watcher {
 public:
  virtual ~Watcher() = default;
  virtual Result<Event> Next(std::chrono::milliseconds timeout) = 0;
  // Unblocks Next() from any thread; later calls return CANCELLED.
  virtual void Stop() = 0;
};

class Registry {
 public:
  virtual ~Registry() = default;

  // Adds or replaces `node` of `service`; the node expires unless heartbeated within ttl.
  // INVALID_ARGUMENT when the service name, node id, host or ports are missing, a port is 0
  // or ttl <= 0. A node without a version takes the service's. Watchers see kAdd for a new
  // node, kUpdate when a registration changes one, nothing when it only renews the TTL.
  virtual Status Register(const ServiceInfo& service, const Node& node,
                          std::chrono::milliseconds ttl) = 0;
  // Renews the TTL. NOT_FOUND when the node expired or was never registered (the caller
  // should Register again).
  virtual Status Heartbeat(const std::string& service, const std::string& node_id) = 0;
  // Idempotent: OK when the node is already gone.
  virtual Status Deregister(const std::string& service, const std::string& node_id) = 0;
  // The live nodes of a service; NOT_FOUND when it has none.
  virtual Result<Service> Get(const std::string& service) = 0;
  virtual Result<std::vector<ServiceSummary>> List() = 0;
  // Changes to one service, or to all when `service` is empty, from the moment Watch()
  // returns (nodes already registered are not reported; Get/List them first).
  virtual Result<std::unique_ptr<Watcher>> Watch(const std::string& service) = 0;
};

// memory:// and platform:// are registered by RegisterBuiltinRegistries(); safe to call
// more than once.
PluginTable<Registry>& RegistryPlugins();
void RegisterBuiltinRegistries();
// RegisterBuiltinRegistries() then RegistryPlugins().Create(url).
Result<std::unique_ptr<Registry>> NewRegistry(const std::string& url);

}  // namespace micro::registry

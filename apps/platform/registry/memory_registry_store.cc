// The in-memory RegistryStore: registry::MemoryStore behind the platform's interface.
#include "platform/registry/registry_store.h"

namespace micro::platform {

namespace {

class InMemoryRegistryStore final : public RegistryStore {
 public:
  explicit InMemoryRegistryStore(registry::MemoryStore::Options options)
      : store_(std::move(options)) {}

  // platform::RegistryStore
  Status Register(const registry::ServiceInfo& service, const registry::Node& node,
                  std::chrono::milliseconds ttl) override {
    return store_.Register(service, node, ttl);
  }
  Status Heartbeat(const std::string& service, const std::string& node_id) override {
    return store_.Heartbeat(service, node_id);
  }
  Status Deregister(const std::string& service, const std::string& node_id) override {
    return store_.Deregister(service, node_id);
  }
  Result<registry::Service> Get(const std::string& service) override { return store_.Get(service); }
  Result<std::vector<registry::ServiceSummary>> List() override { return store_.List(); }
  Result<EventBatch> EventsSince(uint64_t since, const std::string& service) override {
    return store_.EventsSince(since, service);
  }
  Result<EventBatch> Snapshot(const std::string& service) override {
    return store_.Snapshot(service);
  }
  std::string epoch() const override { return store_.epoch(); }
  void Sweep() override { store_.Sweep(); }
  uint64_t Subscribe(std::function<void(uint64_t)> on_change) override {
    return store_.Subscribe(
        [on_change = std::move(on_change)](const registry::MemoryStore::RevisionedEvent& e) {
          on_change(e.revision);
        });
  }
  void Unsubscribe(uint64_t id) override { store_.Unsubscribe(id); }

 private:
  registry::MemoryStore store_;
};

}  // namespace

std::unique_ptr<RegistryStore> NewInMemoryRegistryStore(registry::MemoryStore::Options options) {
  return std::make_unique<InMemoryRegistryStore>(std::move(options));
}

}  // namespace micro::platform

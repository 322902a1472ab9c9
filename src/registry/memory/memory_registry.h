// memory://: a registry inside this process, for tests and single-process setups.
// `memory://` and `memory:///<name>` name process-wide stores: every Registry created with
// the same URL sees the same services, so a Service and a Client in one test find each
// other, while `memory:///<name>` keeps a test's services apart from others'.
#pragma once

#include <memory>

#include <micro/registry/memory_store.h>
#include <micro/registry/registry.h>

namespace micro::registry {

class MemoryRegistry final : public Registry {
 public:
  explicit MemoryRegistry(std::shared_ptr<MemoryStore> store) : store_(std::move(store)) {}

  // registry::Registry
  Status Register(const ServiceInfo& service, const Node& node,
                  std::chrono::milliseconds ttl) override;
  Status Heartbeat(const std::string& service, const std::string& node_id) override;
  Status Deregister(const std::string& service, const std::string& node_id) override;
  Result<Service> Get(const std::string& service) override;
  Result<std::vector<ServiceSummary>> List() override;
  Result<std::unique_ptr<Watcher>> Watch(const std::string& service) override;

 private:
  std::shared_ptr<MemoryStore> store_;
};

}  // namespace micro::registry

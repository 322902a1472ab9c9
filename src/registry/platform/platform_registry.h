// platform://host:port[,host:port...]: the registry served by `micro platform`, over its
// HTTP/JSON API (docs/registry.md). Requests fail over between the listed hosts; watches
// long-poll in the background and resync after outages.
//
// URL options: timeout_ms (per request, default 2000), watch_timeout_ms (how long the
// server holds a watch poll open, default 30000), token (sent as a Bearer token, for
// platforms that guard writes).
#pragma once

#include <chrono>
#include <memory>

#include <micro/core/url.h>
#include <micro/registry/registry.h>

#include "registry/platform/platform_client.h"

namespace micro::registry {

class PlatformRegistry final : public Registry {
 public:
  PlatformRegistry(std::shared_ptr<PlatformClient> client, std::chrono::milliseconds watch_hold)
      : client_(std::move(client)), watch_hold_(watch_hold) {}

  // registry::Registry
  Status Register(const ServiceInfo& service, const Node& node,
                  std::chrono::milliseconds ttl) override;
  Status Heartbeat(const std::string& service, const std::string& node_id) override;
  Status Deregister(const std::string& service, const std::string& node_id) override;
  Result<Service> Get(const std::string& service) override;
  Result<std::vector<ServiceSummary>> List() override;
  Result<std::unique_ptr<Watcher>> Watch(const std::string& service) override;

 private:
  const std::shared_ptr<PlatformClient> client_;
  const std::chrono::milliseconds watch_hold_;
};

}  // namespace micro::registry

#include "service/registrar.h"

#include <micro/log/log.h>

namespace micro::service_internal {

Registrar::Registrar(std::shared_ptr<registry::Registry> registry, registry::ServiceInfo service,
                     registry::Node node, std::chrono::milliseconds ttl,
                     std::chrono::milliseconds interval, server::HealthState& health)
    : registry_(std::move(registry)),
      service_(std::move(service)),
      node_(std::move(node)),
      ttl_(ttl),
      interval_(interval),
      health_(health) {}

Registrar::~Registrar() { (void)Stop(); }

Status Registrar::RegisterOnce() {
  Status s = registry_->Register(service_, node_, ttl_);
  std::lock_guard lock(mu_);
  registered_ = s.ok();
  return s;
}

Status Registrar::Start() {
  Status s = RegisterOnce();
  health_.SetRegistered(s.ok());
  health_.SetRegistryHealthy(s.ok());
  if (!s.ok()) {
    MICRO_LOG_WARN({}, "registration failed, retrying", {"error", s});
  }
  thread_ = std::thread([this] { Loop(); });
  return s;
}

void Registrar::Loop() {
  // A registry outage longer than the TTL means the registry has dropped us: readiness
  // must say so. Shorter blips are tolerated.
  auto last_ok = std::chrono::steady_clock::now();
  std::unique_lock lock(mu_);
  while (!cv_.wait_for(lock, interval_, [&] { return stopping_; })) {
    bool registered = registered_;
    lock.unlock();
    Status s = registered ? registry_->Heartbeat(service_.name, node_.id) : Status::NotFound("");
    if (s.code() == StatusCode::kNotFound) s = RegisterOnce();
    auto now = std::chrono::steady_clock::now();
    if (s.ok()) {
      last_ok = now;
      health_.SetRegistered(true);
      health_.SetRegistryHealthy(true);
    } else {
      MICRO_LOG_WARN({}, "registry heartbeat failed", {"error", s});
      if (now - last_ok >= ttl_ || !registered) health_.SetRegistryHealthy(false);
    }
    lock.lock();
  }
}

Status Registrar::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return {};
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  health_.SetRegistered(false);
  return registry_->Deregister(service_.name, node_.id);
}

}  // namespace micro::service_internal

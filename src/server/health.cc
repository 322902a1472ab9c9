#include <micro/server/health.h>

#include <vector>

namespace micro::server {

void HealthState::SetRegistered(bool registered) {
  {
    std::lock_guard lock(mu_);
    if (registered_ == registered) return;
    registered_ = registered;
  }
  Notify();
}

void HealthState::SetRegistryHealthy(bool healthy) {
  {
    std::lock_guard lock(mu_);
    if (registry_healthy_ == healthy) return;
    registry_healthy_ = healthy;
  }
  Notify();
}

void HealthState::SetDraining(bool draining) {
  {
    std::lock_guard lock(mu_);
    if (draining_ == draining) return;
    draining_ = draining;
  }
  Notify();
}

void HealthState::AddService(const std::string& service) {
  std::lock_guard lock(mu_);
  services_[service] = true;
}

bool HealthState::ready() const {
  std::lock_guard lock(mu_);
  return registered_ && registry_healthy_ && !draining_;
}

bool HealthState::draining() const {
  std::lock_guard lock(mu_);
  return draining_;
}

std::string HealthState::reason() const {
  std::lock_guard lock(mu_);
  if (draining_) return "draining: shutting down";
  if (!registered_) return "not registered with the registry yet";
  if (!registry_healthy_) return "heartbeats to the registry are failing";
  return "ready";
}

ServingStatus HealthState::Check(const std::string& service) const {
  std::lock_guard lock(mu_);
  if (!service.empty() && services_.find(service) == services_.end()) {
    return ServingStatus::kServiceUnknown;
  }
  return registered_ && registry_healthy_ && !draining_ ? ServingStatus::kServing
                                                        : ServingStatus::kNotServing;
}

uint64_t HealthState::Subscribe(std::function<void()> on_change) {
  std::lock_guard lock(mu_);
  uint64_t h = next_handle_++;
  subscribers_.emplace(h, std::move(on_change));
  return h;
}

void HealthState::Unsubscribe(uint64_t handle) {
  std::lock_guard lock(mu_);
  subscribers_.erase(handle);
}

void HealthState::Notify() {
  std::vector<std::function<void()>> subs;
  {
    std::lock_guard lock(mu_);
    for (auto& [h, fn] : subscribers_) subs.push_back(fn);
  }
  for (auto& fn : subs) fn();
}

}  // namespace micro::server

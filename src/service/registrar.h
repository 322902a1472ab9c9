// Registrar: keeps one node registered — registers, heartbeats every interval,
// re-registers when the registry forgot the node (TTL expired, registry restarted), and
// tells HealthState whether the registry can be reached. Internal to Service.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include <micro/registry/registry.h>
#include <micro/server/health.h>

namespace micro::service_internal {

class Registrar {
 public:
  Registrar(std::shared_ptr<registry::Registry> registry, registry::ServiceInfo service,
            registry::Node node, std::chrono::milliseconds ttl, std::chrono::milliseconds interval,
            server::HealthState& health);
  ~Registrar();

  // First registration attempt, then the heartbeat loop starts. A failure is returned
  // but the loop keeps retrying (the service stays not-ready until it succeeds).
  Status Start();
  // Stops heartbeating and removes the node from the registry.
  Status Stop();

 private:
  void Loop();
  Status RegisterOnce();

  std::shared_ptr<registry::Registry> registry_;
  registry::ServiceInfo service_;
  registry::Node node_;
  std::chrono::milliseconds ttl_;
  std::chrono::milliseconds interval_;
  server::HealthState& health_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool registered_ = false;
  std::thread thread_;
};

}  // namespace micro::service_internal

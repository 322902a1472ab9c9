// HealthState: the one source of truth for whether a process is live and ready, read by
// every transport (gRPC grpc.health.v1.Health, HTTP /health/live and /health/ready).
//
// Readiness is honest: a service is ready only once it is registered, stops being ready
// while heartbeats to the registry keep failing (a service the registry lost must not
// look healthy to Kubernetes), and is not ready while draining.
// All methods are thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

namespace micro::server {

enum class ServingStatus { kUnknown, kServing, kNotServing, kServiceUnknown };

class HealthState {
 public:
  // Readiness inputs, set by the service lifecycle.
  void SetRegistered(bool registered);
  void SetRegistryHealthy(bool healthy);
  void SetDraining(bool draining);
  // Services this process serves; Check("") is the whole process.
  void AddService(const std::string& service);

  bool live() const { return true; }
  bool ready() const;
  // True once shutdown began; long-lived health streams end then (they would hold drain).
  bool draining() const;
  // Why not ready, for a human ("not registered", "registry heartbeats failing", ...).
  std::string reason() const;
  // grpc.health.v1 semantics: "" = the whole process; unknown names -> kServiceUnknown.
  ServingStatus Check(const std::string& service) const;

  // Called (on the thread that changed the state) whenever readiness may have changed.
  uint64_t Subscribe(std::function<void()> on_change);
  void Unsubscribe(uint64_t handle);

 private:
  void Notify();

  mutable std::mutex mu_;
  bool registered_ = false;
  bool registry_healthy_ = true;
  bool draining_ = false;
  std::map<std::string, bool> services_;
  uint64_t next_handle_ = 1;
  std::map<uint64_t, std::function<void()>> subscribers_;
};

}  // namespace micro::server

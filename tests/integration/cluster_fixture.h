// A real cluster for integration tests: `micro platform` plus N helloworld-server
// processes, each on free loopback ports, logs in a temp dir, stopped by PID.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <micro/client/client.h>
#include <micro/registry/registry.h>

#include "support/process.h"

namespace micro::testing {

class Cluster {
 public:
  Cluster();
  ~Cluster();

  // Starts the platform and waits until its registry answers.
  void StartPlatform();
  // Starts a greeter with id "greeter-<index>"; extra flags are appended.
  void StartGreeter(int index, const std::vector<std::string>& extra_flags = {});
  // Waits until the registry lists exactly `count` greeter nodes.
  bool WaitForGreeters(size_t count, std::chrono::milliseconds timeout = std::chrono::seconds(20));

  std::string registry_url() const { return "platform://127.0.0.1:" + std::to_string(port_); }
  uint16_t platform_port() const { return port_; }
  registry::Registry& registry() { return *registry_; }
  std::shared_ptr<registry::Registry> shared_registry() { return registry_; }
  Process& greeter(int index) { return greeters_.at(index); }
  std::string dir() const { return dir_; }
  // The node of greeter-<index> as registered.
  Result<registry::Node> GreeterNode(int index);
  // Logs of every process, for failure messages.
  std::string Logs() const;

 private:
  std::string dir_;
  uint16_t port_ = 0;
  Process platform_;
  std::map<int, Process> greeters_;
  std::shared_ptr<registry::Registry> registry_;
};

}  // namespace micro::testing

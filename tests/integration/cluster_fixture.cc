#include "integration/cluster_fixture.h"

#include <gtest/gtest.h>

#include "support/wait.h"

namespace micro::testing {

Cluster::Cluster() : dir_(TempDir()) {}

Cluster::~Cluster() {
  for (auto& [i, p] : greeters_) p.Signal(SIGKILL);
  platform_.Signal(SIGTERM);
  platform_.Wait(std::chrono::seconds(5));
  RunCommand("rm -rf " + dir_);
}

void Cluster::StartPlatform() {
  port_ = FreePort();
  platform_ = Process::Start({BinDir() + "/micro", "platform", "--port", std::to_string(port_)},
                             dir_ + "/platform.log");
  auto reg = registry::NewRegistry(registry_url());
  ASSERT_TRUE(reg.ok()) << reg.status();
  registry_ = std::shared_ptr<registry::Registry>(std::move(*reg));
  ASSERT_TRUE(WaitFor([&] { return registry_->List().ok(); }, std::chrono::seconds(15)))
      << "platform did not come up:\n"
      << platform_.Log();
}

void Cluster::StartGreeter(int index, const std::vector<std::string>& extra_flags) {
  std::vector<std::string> argv = {BinDir() + "/helloworld-server", "--registry", registry_url(),
                                   "--id", "greeter-" + std::to_string(index)};
  argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
  greeters_[index] = Process::Start(argv, dir_ + "/greeter-" + std::to_string(index) + ".log");
}

bool Cluster::WaitForGreeters(size_t count, std::chrono::milliseconds timeout) {
  return WaitFor(
      [&] {
        auto s = registry_->Get("greeter");
        size_t n = s.ok() ? s->nodes.size() : 0;
        return n == count;
      },
      timeout);
}

Result<registry::Node> Cluster::GreeterNode(int index) {
  auto s = registry_->Get("greeter");
  if (!s.ok()) return s.status();
  for (const auto& n : s->nodes) {
    if (n.id == "greeter-" + std::to_string(index)) return n;
  }
  return Status::NotFound("greeter-" + std::to_string(index));
}

std::string Cluster::Logs() const {
  std::string out = "--- platform:\n" + platform_.Log();
  for (const auto& [i, p] : greeters_) {
    out += "--- greeter-" + std::to_string(i) + ":\n" + p.Log();
  }
  return out;
}

}  // namespace micro::testing

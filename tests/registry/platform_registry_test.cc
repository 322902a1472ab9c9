// platform:// against an in-process PlatformServer: the conformance suite, then what only
// platform:// promises (URL options, host failover, errors when unreachable).
#include <gtest/gtest.h>

#include <micro/registry/registry.h>

#include "platform/platform_server.h"
#include "support/registry_conformance.h"

namespace micro::registry {
namespace {

using namespace std::chrono_literals;

platform::PlatformServerOptions TestServerOptions() {
  return {.host = "127.0.0.1", .port = 0, .sweep_interval = 20ms};
}

struct PlatformEnv {
  void SetUp() {
    server = std::make_unique<platform::PlatformServer>(TestServerOptions());
    Status s = server->Start();
    ASSERT_TRUE(s.ok()) << s;
  }
  void TearDown() { server->Shutdown(); }
  Result<std::unique_ptr<Registry>> NewRegistry() {
    return registry::NewRegistry("platform://" + server->address());
  }
  std::unique_ptr<platform::PlatformServer> server;
};

}  // namespace

namespace testing {
INSTANTIATE_TYPED_TEST_SUITE_P(Platform, RegistryConformanceTest, ::testing::Types<PlatformEnv>);
}  // namespace testing

namespace {

// A loopback port nothing listens on (it was free a moment ago).
uint16_t DeadPort() {
  platform::PlatformServer probe(TestServerOptions());
  EXPECT_TRUE(probe.Start().ok());
  uint16_t port = probe.port();
  probe.Shutdown();
  return port;
}

TEST(PlatformRegistry, FailsOverToTheNextHost) {
  platform::PlatformServer server(TestServerOptions());
  ASSERT_TRUE(server.Start().ok());
  std::string url = "platform://127.0.0.1:" + std::to_string(DeadPort()) + "," + server.address();
  auto reg = NewRegistry(url);
  ASSERT_TRUE(reg.ok()) << reg.status();
  ASSERT_TRUE((*reg)->Register({.name = "greeter"}, testing::TestNode("g1"), 10s).ok());
  auto svc = (*reg)->Get("greeter");
  ASSERT_TRUE(svc.ok()) << svc.status();
  EXPECT_EQ(svc->nodes.size(), 1u);

  auto w = (*reg)->Watch("greeter");
  ASSERT_TRUE(w.ok()) << w.status();
  ASSERT_TRUE((*reg)->Deregister("greeter", "g1").ok());
  auto e = testing::NextFor(**w, "g1", 10s);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->type, Event::Type::kRemove);
}

TEST(PlatformRegistry, UnreachableRegistryIsUnavailable) {
  auto reg = NewRegistry("platform://127.0.0.1:" + std::to_string(DeadPort()) + "?timeout_ms=500");
  ASSERT_TRUE(reg.ok()) << reg.status();
  Status s = (*reg)->Register({.name = "greeter"}, testing::TestNode("g1"), 10s);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s;
  EXPECT_EQ((*reg)->Get("greeter").status().code(), StatusCode::kUnavailable);

  // A watch still starts, and says the registry is unreachable.
  auto w = (*reg)->Watch("");
  ASSERT_TRUE(w.ok()) << w.status();
  auto e = (*w)->Next(5s);
  EXPECT_EQ(e.status().code(), StatusCode::kUnavailable) << e.status();
}

TEST(PlatformRegistry, ValidatesUrlOptions) {
  auto unknown = NewRegistry("platform://127.0.0.1:7700?timeout=5");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(unknown.status().message().find("'timeout'"), std::string::npos) << unknown.status();
  EXPECT_NE(unknown.status().message().find("timeout_ms, watch_timeout_ms, token"),
            std::string::npos)
      << unknown.status();
  auto bad = NewRegistry("platform://127.0.0.1:7700?timeout_ms=soon");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("timeout_ms"), std::string::npos) << bad.status();
  EXPECT_TRUE(NewRegistry("platform://127.0.0.1:7700?timeout_ms=100&watch_timeout_ms=1000").ok());
}

TEST(PlatformRegistry, ServiceNamesNeedNoEscapingByTheCaller) {
  platform::PlatformServer server(TestServerOptions());
  ASSERT_TRUE(server.Start().ok());
  auto reg = NewRegistry("platform://" + server.address());
  ASSERT_TRUE(reg.ok()) << reg.status();
  const std::string name = "acme.v1/Greeter service";
  ASSERT_TRUE((*reg)->Register({.name = name}, testing::TestNode("g1"), 10s).ok());
  auto svc = (*reg)->Get(name);
  ASSERT_TRUE(svc.ok()) << svc.status();
  EXPECT_EQ(svc->name, name);
}

TEST(PlatformRegistry, DestroyingAWatcherDoesNotWaitForItsPoll) {
  platform::PlatformServer server(TestServerOptions());
  ASSERT_TRUE(server.Start().ok());
  auto reg = NewRegistry("platform://" + server.address() + "?watch_timeout_ms=60000");
  ASSERT_TRUE(reg.ok()) << reg.status();
  auto w = (*reg)->Watch("greeter");
  ASSERT_TRUE(w.ok()) << w.status();
  ASSERT_TRUE(
      micro::testing::WaitFor([&] { return server.registry_api().hub().parked() == 1; }, 5s));
  auto start = std::chrono::steady_clock::now();
  w->reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_EQ(server.registry_api().hub().parked(), 0u);
}

}  // namespace
}  // namespace micro::registry

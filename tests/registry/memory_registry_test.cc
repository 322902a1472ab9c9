// memory:// passes the registry conformance suite; plus what only memory:// promises.
#include <atomic>

#include <gtest/gtest.h>

#include <micro/registry/registry.h>

#include "support/registry_conformance.h"

namespace micro::registry {
namespace {

using namespace std::chrono_literals;

// Each test gets its own named store, so tests do not see each other's services.
struct MemoryEnv {
  void SetUp() {
    static std::atomic<int> counter{0};
    url = "memory:///conformance-" + std::to_string(counter++);
  }
  void TearDown() {}
  Result<std::unique_ptr<Registry>> NewRegistry() { return registry::NewRegistry(url); }
  std::string url;
};

}  // namespace

namespace testing {
INSTANTIATE_TYPED_TEST_SUITE_P(Memory, RegistryConformanceTest, ::testing::Types<MemoryEnv>);
}  // namespace testing

namespace {

TEST(MemoryRegistry, SameUrlSharesAStoreAcrossRegistryObjects) {
  {
    auto a = NewRegistry("memory://");
    ASSERT_TRUE(a.ok()) << a.status();
    ASSERT_TRUE((*a)->Register({.name = "shared-svc"}, testing::TestNode("n1"), 10s).ok());
  }
  // The first Registry is gone; the node stays, as it would in a registry server.
  auto b = NewRegistry("memory://");
  ASSERT_TRUE(b.ok()) << b.status();
  auto svc = (*b)->Get("shared-svc");
  ASSERT_TRUE(svc.ok()) << svc.status();
  EXPECT_EQ(svc->nodes.size(), 1u);
  EXPECT_TRUE((*b)->Deregister("shared-svc", "n1").ok());
}

TEST(MemoryRegistry, NamedStoresAreIsolated) {
  auto a = NewRegistry("memory:///isolated-a");
  auto b = NewRegistry("memory:///isolated-b");
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE((*a)->Register({.name = "svc"}, testing::TestNode("n1"), 10s).ok());
  EXPECT_EQ((*b)->Get("svc").status().code(), StatusCode::kNotFound);
}

TEST(MemoryRegistry, RejectsHostsAndOptions) {
  auto with_host = NewRegistry("memory://127.0.0.1:1");
  ASSERT_FALSE(with_host.ok());
  EXPECT_EQ(with_host.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(with_host.status().message().find("memory:///<name>"), std::string::npos);
  auto with_option = NewRegistry("memory://?ttl=3");
  ASSERT_FALSE(with_option.ok());
  EXPECT_NE(with_option.status().message().find("ttl"), std::string::npos);
}

TEST(Registry, UnknownSchemeListsTheKnownOnes) {
  auto r = NewRegistry("zookeeper://127.0.0.1:2181");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("zookeeper"), std::string::npos) << r.status();
  EXPECT_NE(r.status().message().find("memory, platform"), std::string::npos) << r.status();
}

TEST(Registry, BuiltinsRegisterOnce) {
  RegisterBuiltinRegistries();
  RegisterBuiltinRegistries();
  auto names = RegistryPlugins().Names();
  EXPECT_EQ(names, (std::vector<std::string>{"memory", "platform"}));
}

TEST(Node, AddressPerProtocol) {
  Node n{.id = "a", .host = "10.1.2.3", .ports = {{"grpc", 50051}}};
  EXPECT_EQ(n.Address("grpc"), "10.1.2.3:50051");
  EXPECT_EQ(n.Address("http"), "");
  Node v6{.id = "b", .host = "::1", .ports = {{"grpc", 50051}}};
  EXPECT_EQ(v6.Address("grpc"), "[::1]:50051");
}

}  // namespace
}  // namespace micro::registry

// The conformance suite every Registry plugin passes: one set of behaviours (register, get,
// list, TTL expiry, heartbeats, watches, validation) checked the same way for memory://,
// platform:// and any plugin that follows.
//
// Instantiate it with an environment type that starts whatever backs the plugin:
//
//   struct MemoryEnv {
//     void SetUp() {}                     // start servers, pick a fresh namespace
//     void TearDown() {}
//     // A new client of the same backing store (each call: a separate Registry object).
//     micro::Result<std::unique_ptr<micro::registry::Registry>> NewRegistry();
//   };
//   INSTANTIATE_TYPED_TEST_SUITE_P(Memory, RegistryConformanceTest, ::testing::Types<MemoryEnv>);
//
// Each test gets a fresh environment, so tests do not see each other's services. TTLs are
// short (300 ms) and every wait is on an event with a bounded timeout.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <micro/registry/registry.h>

#include "support/registry_testing.h"
#include "support/wait.h"

namespace micro::registry::testing {

using namespace std::chrono_literals;

template <typename Env>
class RegistryConformanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_.SetUp();
    auto reg = env_.NewRegistry();
    ASSERT_TRUE(reg.ok()) << reg.status();
    reg_ = std::move(*reg);
  }
  void TearDown() override {
    reg_.reset();
    env_.TearDown();
  }

  std::unique_ptr<Watcher> WatchOrDie(const std::string& service) {
    auto w = reg_->Watch(service);
    EXPECT_TRUE(w.ok()) << w.status();
    return w.ok() ? std::move(*w) : nullptr;
  }

  Env env_;
  std::unique_ptr<Registry> reg_;
};

TYPED_TEST_SUITE_P(RegistryConformanceTest);

TYPED_TEST_P(RegistryConformanceTest, RegisterGetAndList) {
  auto& reg = *this->reg_;
  ASSERT_TRUE(
      reg.Register({.name = "greeter", .version = "1.0.0"}, TestNode("g1", 50051), 10s).ok());
  ASSERT_TRUE(
      reg.Register({.name = "greeter", .version = "1.0.0"}, TestNode("g2", 50052), 10s).ok());
  ASSERT_TRUE(reg.Register({.name = "orders", .version = "2.0.0"},
                           Node{.id = "o1", .host = "10.0.0.7", .ports = {{"grpc", 7000}}}, 10s)
                  .ok());

  auto svc = reg.Get("greeter");
  ASSERT_TRUE(svc.ok()) << svc.status();
  EXPECT_EQ(svc->name, "greeter");
  ASSERT_EQ(svc->nodes.size(), 2u);
  EXPECT_EQ(svc->nodes[0], TestNode("g1", 50051));
  EXPECT_EQ(svc->nodes[1], TestNode("g2", 50052));
  EXPECT_EQ(svc->nodes[0].Address("grpc"), "127.0.0.1:50051");
  EXPECT_EQ(svc->nodes[0].Address("http"), "127.0.0.1:51051");
  EXPECT_EQ(svc->nodes[0].Address("quic"), "");

  auto orders = reg.Get("orders");
  ASSERT_TRUE(orders.ok()) << orders.status();
  ASSERT_EQ(orders->nodes.size(), 1u);
  EXPECT_EQ(orders->nodes[0].version, "2.0.0") << "a node without a version takes the service's";

  auto list = reg.List();
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "greeter");
  EXPECT_EQ((*list)[0].nodes.size(), 2u);
  EXPECT_EQ((*list)[0].versions, std::vector<std::string>{"1.0.0"});
  EXPECT_EQ((*list)[1].name, "orders");
  EXPECT_EQ((*list)[1].versions, std::vector<std::string>{"2.0.0"});
}

TYPED_TEST_P(RegistryConformanceTest, TwoClientsSeeTheSameServices) {
  auto other = this->env_.NewRegistry();
  ASSERT_TRUE(other.ok()) << other.status();
  ASSERT_TRUE(this->reg_->Register({.name = "greeter"}, TestNode("g1"), 10s).ok());
  auto svc = (*other)->Get("greeter");
  ASSERT_TRUE(svc.ok()) << svc.status();
  ASSERT_EQ(svc->nodes.size(), 1u);
  EXPECT_EQ(svc->nodes[0].id, "g1");
}

TYPED_TEST_P(RegistryConformanceTest, ReRegisterReplacesTheNode) {
  auto& reg = *this->reg_;
  ASSERT_TRUE(reg.Register({.name = "greeter"}, TestNode("g1", 50051), 10s).ok());
  Node changed = TestNode("g1", 50099);
  changed.metadata["weight"] = "50";
  ASSERT_TRUE(reg.Register({.name = "greeter"}, changed, 10s).ok());
  auto svc = reg.Get("greeter");
  ASSERT_TRUE(svc.ok()) << svc.status();
  ASSERT_EQ(svc->nodes.size(), 1u);
  EXPECT_EQ(svc->nodes[0], changed);
}

TYPED_TEST_P(RegistryConformanceTest, DeregisterRemovesTheNode) {
  auto& reg = *this->reg_;
  ASSERT_TRUE(reg.Register({.name = "greeter"}, TestNode("g1"), 10s).ok());
  ASSERT_TRUE(reg.Register({.name = "greeter"}, TestNode("g2"), 10s).ok());
  ASSERT_TRUE(reg.Deregister("greeter", "g1").ok());
  auto svc = reg.Get("greeter");
  ASSERT_TRUE(svc.ok()) << svc.status();
  ASSERT_EQ(svc->nodes.size(), 1u);
  EXPECT_EQ(svc->nodes[0].id, "g2");

  ASSERT_TRUE(reg.Deregister("greeter", "g2").ok());
  EXPECT_EQ(reg.Get("greeter").status().code(), StatusCode::kNotFound);
  auto list = reg.List();
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_TRUE(list->empty());
  EXPECT_TRUE(reg.Deregister("greeter", "g2").ok()) << "deregistering twice is harmless";
}

TYPED_TEST_P(RegistryConformanceTest, GetOfUnknownServiceIsNotFound) {
  auto svc = this->reg_->Get("nobody");
  ASSERT_FALSE(svc.ok());
  EXPECT_EQ(svc.status().code(), StatusCode::kNotFound);
  EXPECT_NE(svc.status().message().find("nobody"), std::string::npos) << svc.status();
  EXPECT_EQ(this->reg_->Get("").status().code(), StatusCode::kNotFound);
}

TYPED_TEST_P(RegistryConformanceTest, InvalidRegistrationIsRejected) {
  auto& reg = *this->reg_;
  auto expect_invalid = [&](const ServiceInfo& s, const Node& n, std::string_view what,
                            std::chrono::milliseconds ttl = 10s) {
    Status st = reg.Register(s, n, ttl);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << what << ": " << st;
    EXPECT_NE(st.message().find(what), std::string::npos) << st;
  };
  Node no_id = TestNode("x");
  no_id.id.clear();
  Node no_host = TestNode("x");
  no_host.host.clear();
  Node no_ports = TestNode("x");
  no_ports.ports.clear();
  Node zero_port = TestNode("x");
  zero_port.ports["grpc"] = 0;
  expect_invalid({.name = ""}, TestNode("x"), "name");
  expect_invalid({.name = "greeter"}, no_id, "id");
  expect_invalid({.name = "greeter"}, no_host, "host");
  expect_invalid({.name = "greeter"}, no_ports, "ports");
  expect_invalid({.name = "greeter"}, zero_port, "grpc");
  expect_invalid({.name = "greeter"}, TestNode("x"), "ttl", 0ms);
  EXPECT_EQ(reg.Get("greeter").status().code(), StatusCode::kNotFound);
}

TYPED_TEST_P(RegistryConformanceTest, HeartbeatsKeepANodeAlivePastItsTtl) {
  auto& reg = *this->reg_;
  ASSERT_TRUE(reg.Register({.name = "greeter"}, TestNode("g1"), 300ms).ok());
  // Heartbeats at a third of the TTL over three TTLs: the node must never drop out.
  auto until = std::chrono::steady_clock::now() + 900ms;
  while (std::chrono::steady_clock::now() < until) {
    ASSERT_TRUE(reg.Heartbeat("greeter", "g1").ok());
    std::this_thread::sleep_for(100ms);
    ASSERT_TRUE(reg.Get("greeter").ok()) << "node expired despite heartbeats";
  }
}

TYPED_TEST_P(RegistryConformanceTest, NodeExpiresWithoutHeartbeats) {
  auto& reg = *this->reg_;
  auto w = this->WatchOrDie("greeter");
  ASSERT_NE(w, nullptr);
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(reg.Register({.name = "greeter"}, TestNode("g1"), 300ms).ok());
  ASSERT_TRUE(reg.Register({.name = "greeter"}, TestNode("g2"), 30s).ok());

  auto added = NextFor(*w, "g1");
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_EQ(added->type, Event::Type::kAdd);
  auto removed = NextFor(*w, "g1", 5s);
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_EQ(removed->type, Event::Type::kRemove) << TypeName(removed->type);
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, 250ms) << "expired before its TTL";
  EXPECT_LT(elapsed, 3s) << "expiry event came long after the TTL";

  auto svc = reg.Get("greeter");
  ASSERT_TRUE(svc.ok()) << svc.status();
  ASSERT_EQ(svc->nodes.size(), 1u);
  EXPECT_EQ(svc->nodes[0].id, "g2");
}

TYPED_TEST_P(RegistryConformanceTest, HeartbeatAfterExpiryIsNotFound) {
  auto& reg = *this->reg_;
  EXPECT_EQ(reg.Heartbeat("greeter", "never").code(), StatusCode::kNotFound);
  ASSERT_TRUE(reg.Register({.name = "greeter"}, TestNode("g1"), 300ms).ok());
  ASSERT_TRUE(micro::testing::WaitFor(
      [&] { return reg.Get("greeter").status().code() == StatusCode::kNotFound; }, 5s));
  EXPECT_EQ(reg.Heartbeat("greeter", "g1").code(), StatusCode::kNotFound);
  // Registering again brings it back, as a client does after NOT_FOUND.
  ASSERT_TRUE(reg.Register({.name = "greeter"}, TestNode("g1"), 10s).ok());
  EXPECT_TRUE(reg.Heartbeat("greeter", "g1").ok());
}

TYPED_TEST_P(RegistryConformanceTest, WatchOneServiceSeesAddUpdateRemove) {
  auto& reg = *this->reg_;
  auto w = this->WatchOrDie("greeter");
  ASSERT_NE(w, nullptr);
  ASSERT_TRUE(reg.Register({.name = "greeter"}, TestNode("g1"), 10s).ok());
  ASSERT_TRUE(reg.Register({.name = "orders"}, TestNode("o1"), 10s).ok());
  Node changed = TestNode("g1");
  changed.metadata["weight"] = "10";
  ASSERT_TRUE(reg.Register({.name = "greeter"}, changed, 10s).ok());
  ASSERT_TRUE(reg.Deregister("greeter", "g1").ok());

  auto e = w->Next(5s);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->type, Event::Type::kAdd) << TypeName(e->type);
  EXPECT_EQ(e->service, "greeter");
  EXPECT_EQ(e->node, TestNode("g1"));
  e = w->Next(5s);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->type, Event::Type::kUpdate) << TypeName(e->type);
  EXPECT_EQ(e->node, changed);
  e = w->Next(5s);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->type, Event::Type::kRemove) << TypeName(e->type);
  EXPECT_EQ(e->node.id, "g1");
  // "orders" is not watched, and nothing else happened.
  e = w->Next(200ms);
  ASSERT_FALSE(e.ok()) << "unexpected event for " << e->service << "/" << e->node.id;
  EXPECT_EQ(e.status().code(), StatusCode::kDeadlineExceeded) << e.status();
}

TYPED_TEST_P(RegistryConformanceTest, WatchAllSeesEveryService) {
  auto& reg = *this->reg_;
  auto w = this->WatchOrDie("");
  ASSERT_NE(w, nullptr);
  ASSERT_TRUE(reg.Register({.name = "greeter"}, TestNode("g1"), 10s).ok());
  ASSERT_TRUE(reg.Register({.name = "orders"}, TestNode("o1"), 10s).ok());
  ASSERT_TRUE(reg.Deregister("orders", "o1").ok());
  std::vector<std::string> seen;
  for (int i = 0; i < 3; ++i) {
    auto e = w->Next(5s);
    ASSERT_TRUE(e.ok()) << e.status();
    seen.push_back(std::string(TypeName(e->type)) + " " + e->service + "/" + e->node.id);
  }
  EXPECT_EQ(seen,
            (std::vector<std::string>{"add greeter/g1", "add orders/o1", "remove orders/o1"}));
}

TYPED_TEST_P(RegistryConformanceTest, WatchStartsAfterExistingNodes) {
  auto& reg = *this->reg_;
  ASSERT_TRUE(reg.Register({.name = "greeter"}, TestNode("g1"), 10s).ok());
  auto w = this->WatchOrDie("greeter");
  ASSERT_NE(w, nullptr);
  auto e = w->Next(200ms);
  EXPECT_EQ(e.status().code(), StatusCode::kDeadlineExceeded)
      << "a watch reports changes after it starts, not the nodes already there";
}

TYPED_TEST_P(RegistryConformanceTest, StopUnblocksNext) {
  auto w = this->WatchOrDie("greeter");
  ASSERT_NE(w, nullptr);
  std::atomic<bool> returned{false};
  Status status;
  std::thread waiter([&] {
    status = w->Next(30s).status();
    returned = true;
  });
  std::this_thread::sleep_for(50ms);  // let it block; the assertion below holds either way
  auto stop_at = std::chrono::steady_clock::now();
  w->Stop();
  EXPECT_TRUE(micro::testing::WaitFor([&] { return returned.load(); }, 5s));
  waiter.join();
  EXPECT_LT(std::chrono::steady_clock::now() - stop_at, 2s);
  EXPECT_EQ(status.code(), StatusCode::kCancelled) << status;
  EXPECT_EQ(w->Next(10ms).status().code(), StatusCode::kCancelled);
}

TYPED_TEST_P(RegistryConformanceTest, ConcurrentRegistrations) {
  auto other = this->env_.NewRegistry();
  ASSERT_TRUE(other.ok()) << other.status();
  constexpr int kPerThread = 40;
  auto register_many = [](Registry* reg, const std::string& prefix) {
    for (int i = 0; i < kPerThread; ++i) {
      Status s =
          reg->Register({.name = "greeter"},
                        TestNode(prefix + std::to_string(i), static_cast<uint16_t>(2000 + i)), 30s);
      EXPECT_TRUE(s.ok()) << s;
    }
  };
  std::thread a(register_many, this->reg_.get(), "a");
  std::thread b(register_many, other->get(), "b");
  a.join();
  b.join();
  auto svc = this->reg_->Get("greeter");
  ASSERT_TRUE(svc.ok()) << svc.status();
  std::set<std::string> ids;
  for (const auto& n : svc->nodes) ids.insert(n.id);
  EXPECT_EQ(ids.size(), 2u * kPerThread);
}

REGISTER_TYPED_TEST_SUITE_P(RegistryConformanceTest, RegisterGetAndList,
                            TwoClientsSeeTheSameServices, ReRegisterReplacesTheNode,
                            DeregisterRemovesTheNode, GetOfUnknownServiceIsNotFound,
                            InvalidRegistrationIsRejected, HeartbeatsKeepANodeAlivePastItsTtl,
                            NodeExpiresWithoutHeartbeats, HeartbeatAfterExpiryIsNotFound,
                            WatchOneServiceSeesAddUpdateRemove, WatchAllSeesEveryService,
                            WatchStartsAfterExistingNodes, StopUnblocksNext,
                            ConcurrentRegistrations);

}  // namespace micro::registry::testing

#include <micro/client/client.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "echo.pb.h"
#include "grpc_test_env.h"
#include "support/wait.h"

namespace micro::client {
namespace {

using namespace std::chrono_literals;
using testing::kEchoUnary;

// Three echo servers registered as "echo" nodes a, b, c in one memory registry.
class ClientChainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto reg = registry::NewRegistry("memory:///chain-" + std::to_string(++instance_));
    ASSERT_TRUE(reg.ok());
    registry_ = std::move(*reg);
    for (std::string id : {"a", "b", "c"}) {
      auto env = std::make_unique<testing::GrpcTestEnv>();
      ASSERT_EQ(env->error(), "");
      AddNode(id, PortOf(env->address()));
      servers_[id] = std::move(env);
    }
  }

  static uint16_t PortOf(const std::string& address) {
    return static_cast<uint16_t>(std::stoi(address.substr(address.rfind(':') + 1)));
  }

  void AddNode(const std::string& id, uint16_t port,
               std::map<std::string, std::string> metadata = {}) {
    registry::Node node{
        .id = id, .host = "127.0.0.1", .ports = {{"grpc", port}}, .metadata = metadata};
    ASSERT_TRUE(registry_->Register({.name = "echo"}, node, 60s).ok());
  }

  // Which server answered: the address of every served call, by node id.
  std::map<std::string, size_t> Served() {
    std::map<std::string, size_t> served;
    for (auto& [id, env] : servers_) served[id] = env->recorder().finished();
    return served;
  }

  Status CallOnce(Client& client, const CallOptions& options = {}) {
    Context ctx = Context::WithTimeout(2s);
    micro::test::EchoRequest req;
    req.set_message("hi");
    micro::test::EchoResponse resp;
    Status s = client.Call(ctx, "echo", kEchoUnary, req, &resp, options);
    if (s.ok()) {
      EXPECT_EQ(resp.message(), "hi");
    }
    return s;
  }

  static inline int instance_ = 0;
  std::shared_ptr<registry::Registry> registry_;
  std::map<std::string, std::unique_ptr<testing::GrpcTestEnv>> servers_;
};

// Records the order in which interceptors run and what each attempt saw.
class Recorder : public ClientInterceptor {
 public:
  Recorder(std::string name, std::vector<std::string>* log, std::mutex* mu)
      : name_(std::move(name)), log_(log), mu_(mu) {}
  void Intercept(Context& ctx, ClientCall& call, ClientNext next, Done done) override {
    {
      std::lock_guard lock(*mu_);
      log_->push_back(name_ + ">" + (call.node ? call.node->id : std::string("-")));
    }
    next(ctx, call, [this, done = std::move(done)](Status s) {
      {
        std::lock_guard lock(*mu_);
        log_->push_back(name_ + "<");
      }
      done(std::move(s));
    });
  }

 private:
  std::string name_;
  std::vector<std::string>* log_;
  std::mutex* mu_;
};

TEST_F(ClientChainTest, CallInterceptorsWrapAttemptInterceptorsInOrder) {
  Client client(registry_, {.selector = "round_robin"});
  std::vector<std::string> log;
  std::mutex mu;
  client.Use(std::make_shared<Recorder>("outer", &log, &mu));
  client.Use(std::make_shared<Recorder>("inner", &log, &mu));
  client.UseAttempt(std::make_shared<Recorder>("attempt", &log, &mu));
  ASSERT_TRUE(CallOnce(client).ok());
  ASSERT_EQ(log.size(), 6u);
  EXPECT_EQ(log[0], "outer>-");
  EXPECT_EQ(log[1], "inner>-");
  // The attempt interceptor runs once a node is chosen and sees it.
  EXPECT_EQ(log[2].substr(0, 8), "attempt>");
  EXPECT_NE(log[2], "attempt>-");
  EXPECT_EQ(log[3], "attempt<");
  EXPECT_EQ(log[4], "inner<");
  EXPECT_EQ(log[5], "outer<");
}

// Tries again on UNAVAILABLE, up to `attempts` times; remembers each attempt's address.
class RetryAgain : public ClientInterceptor {
 public:
  explicit RetryAgain(int attempts) : attempts_(attempts) {}
  void Intercept(Context& ctx, ClientCall& call, ClientNext next, Done done) override {
    Loop(ctx, call, next, std::move(done));
  }
  std::vector<std::string> addresses() {
    std::lock_guard lock(mu_);
    return addresses_;
  }

 private:
  void Loop(Context& ctx, ClientCall& call, ClientNext next, Done done) {
    next(ctx, call, [this, &ctx, &call, next, done = std::move(done)](Status s) mutable {
      {
        std::lock_guard lock(mu_);
        addresses_.emplace_back(call.address);
      }
      if (s.code() == StatusCode::kUnavailable && call.attempt < attempts_) {
        Loop(ctx, call, next, std::move(done));
        return;
      }
      done(std::move(s));
    });
  }
  int attempts_;
  std::mutex mu_;
  std::vector<std::string> addresses_;
};

TEST_F(ClientChainTest, ARetryGoesToANodeTheCallHasNotTried) {
  // Only one live node and two dead ones: whatever round-robin starts with, three attempts
  // that never repeat a node must reach the live one.
  servers_.erase("b");
  servers_.erase("c");
  AddNode("b", testing::ClosedPort());
  AddNode("c", testing::ClosedPort());
  for (int i = 0; i < 6; ++i) {
    auto retry = std::make_shared<RetryAgain>(3);
    Client fresh(registry_, {.selector = "random"});
    fresh.Use(retry);
    ASSERT_TRUE(CallOnce(fresh).ok()) << i;
    auto addresses = retry->addresses();
    std::set<std::string> distinct(addresses.begin(), addresses.end());
    EXPECT_EQ(distinct.size(), addresses.size()) << "a retry repeated a node";
  }
}

TEST_F(ClientChainTest, AsyncCallsRunTheChainsToo) {
  Client client(registry_);
  std::vector<std::string> log;
  std::mutex mu;
  client.Use(std::make_shared<Recorder>("call", &log, &mu));
  client.UseAttempt(std::make_shared<Recorder>("attempt", &log, &mu));
  micro::test::EchoRequest req;
  req.set_message("async");
  micro::test::EchoResponse resp;
  std::atomic<bool> finished{false};
  Status result;
  {
    // The context may go away before the call completes: the chain keeps its own copy.
    Context ctx = Context::WithTimeout(2s);
    client.CallAsync(ctx, "echo", kEchoUnary, req, &resp, [&](Status s) {
      result = std::move(s);
      finished = true;
    });
  }
  ASSERT_TRUE(testing::WaitFor([&] { return finished.load(); }));
  EXPECT_TRUE(result.ok()) << result;
  EXPECT_EQ(resp.message(), "async");
  std::lock_guard lock(mu);
  EXPECT_EQ(log.size(), 4u);
}

// Completes the call from another thread, as a scheduled retry would.
class FinishElsewhere : public ClientInterceptor {
 public:
  ~FinishElsewhere() override {
    if (thread_.joinable()) thread_.join();
  }
  void Intercept(Context& ctx, ClientCall& call, ClientNext next, Done done) override {
    thread_ = std::thread([&ctx, &call, next, done = std::move(done)] { next(ctx, call, done); });
  }

 private:
  std::thread thread_;
};

TEST_F(ClientChainTest, ABlockingCallWaitsForAChainThatFinishesOnAnotherThread) {
  Client client(registry_);
  client.Use(std::make_shared<FinishElsewhere>());
  EXPECT_TRUE(CallOnce(client).ok());
}

class OnlyNode : public selector::RouteFilter {
 public:
  explicit OnlyNode(std::string id) : id_(std::move(id)) {}
  void Filter(const Context&, const selector::CallTarget& target,
              selector::NodeSet& nodes) override {
    EXPECT_EQ(target.service, "echo");
    EXPECT_EQ(target.method, kEchoUnary);
    nodes.KeepIf([&](const registry::Node& n) { return n.id == id_; }, false);
  }

 private:
  std::string id_;
};

TEST_F(ClientChainTest, RouteFiltersNarrowTheCandidates) {
  Client client(registry_, {.selector = "round_robin"});
  client.AddRouteFilter(std::make_shared<OnlyNode>("b"));
  for (int i = 0; i < 9; ++i) ASSERT_TRUE(CallOnce(client).ok());
  auto served = Served();
  EXPECT_EQ(served["a"], 0u);
  EXPECT_EQ(served["b"], 9u);
  EXPECT_EQ(served["c"], 0u);
}

TEST_F(ClientChainTest, AFilterThatLeavesNoNodeFailsUnavailableNamingTheRules) {
  Client client(registry_);
  client.AddRouteFilter(std::make_shared<OnlyNode>("nobody"));
  Status s = CallOnce(client);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("routing rules"), std::string::npos) << s;
}

TEST_F(ClientChainTest, SetSelectorSwitchesOneServiceAndRejectsUnknownNames) {
  Client client(registry_, {.selector = "random"});
  EXPECT_FALSE(client.SetSelector("echo", "no_such_selector").ok());
  ASSERT_TRUE(client.SetSelector("echo", "round_robin").ok());
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(CallOnce(client).ok());
  for (const auto& [id, n] : Served()) EXPECT_EQ(n, 10u) << id;
}

}  // namespace
}  // namespace micro::client

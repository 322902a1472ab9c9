// The resilience policies on a real micro::Client: three in-process instances of one
// service (gRPC on loopback, memory:// registry), some made failing, called through the
// client's interceptor chains and route filters.
#include <micro/client/client.h>
#include <micro/governance/endpoint_breaker.h>
#include <micro/governance/method_breaker.h>
#include <micro/governance/outlier_ejection.h>
#include <micro/governance/retry_interceptor.h>
#include <micro/service.h>

#include <gtest/gtest.h>

#include <future>
#include <set>

#include "echo.pb.h"
#include "support/wait.h"

namespace micro::governance {
namespace {

using namespace std::chrono_literals;
constexpr char kMethod[] = "/micro.test.Echo/Unary";

// One instance of the service: answers Unary, or fails UNAVAILABLE while `bad`.
struct Instance {
  std::atomic<bool> bad{false};
  std::atomic<int> calls{0};
  std::unique_ptr<Service> service;
};

class Cluster {
 public:
  Cluster(const std::string& name, int n) : name_(name) {
    for (int i = 0; i < n; ++i) {
      auto inst = std::make_unique<Instance>();
      ServiceOptions o{.name = name, .registry = "memory:///" + name};
      o.handle_signals = false;
      o.http_listen = "";
      o.drain_grace = 0ms;
      o.drain_timeout = 1s;
      inst->service = std::make_unique<Service>(o);
      Instance* raw = inst.get();
      server::Method m{.service = "micro.test.Echo",
                       .name = "Unary",
                       .request_prototype = &micro::test::EchoRequest::default_instance(),
                       .response_prototype = &micro::test::EchoResponse::default_instance()};
      m.unary = [raw](Context&, const google::protobuf::Message& req,
                      google::protobuf::Message* resp) {
        raw->calls++;
        if (raw->bad) return Status::Unavailable("bad instance");
        static_cast<micro::test::EchoResponse*>(resp)->set_message(
            static_cast<const micro::test::EchoRequest&>(req).message());
        return Status::Ok();
      };
      EXPECT_TRUE(inst->service->server().AddMethod(m).ok());
      EXPECT_TRUE(inst->service->Start().ok());
      instances_.push_back(std::move(inst));
    }
  }
  ~Cluster() {
    for (auto& i : instances_) i->service->Shutdown();
  }

  Instance& at(size_t i) { return *instances_.at(i); }
  std::shared_ptr<registry::Registry> registry() { return instances_[0]->service->registry(); }
  const std::string& name() const { return name_; }
  int total_calls() const {
    int n = 0;
    for (const auto& i : instances_) n += i->calls;
    return n;
  }

 private:
  std::string name_;
  std::vector<std::unique_ptr<Instance>> instances_;
};

// Records the addresses each call tried (attempt-level, so it sees every attempt).
class TriedLog : public client::ClientInterceptor {
 public:
  void Intercept(Context& ctx, client::ClientCall& call, client::ClientNext next,
                 client::Done done) override {
    next(ctx, call, [this, &call, done = std::move(done)](Status s) {
      {
        std::lock_guard lock(mu_);
        last_tried_ = call.tried;
      }
      done(std::move(s));  // outside the lock: a retry runs inside done
    });
  }
  std::vector<std::string> last_tried() {
    std::lock_guard lock(mu_);
    return last_tried_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> last_tried_;
};

Status Call(client::Client& c, const std::string& service, bool idempotent = true) {
  micro::test::EchoRequest req;
  req.set_message("hi");
  micro::test::EchoResponse resp;
  Context ctx = Context::WithTimeout(5s);
  Status s = c.Call(ctx, service, kMethod, req, &resp, {.idempotent = idempotent});
  if (s.ok() && resp.message() != "hi") return Status::Internal("wrong reply");
  return s;
}

TEST(ResilientClient, RetriesReachTheHealthyInstanceThroughDifferentNodes) {
  Cluster cluster("retry-e2e", 3);
  cluster.at(0).bad = true;
  cluster.at(1).bad = true;
  client::Client c(cluster.registry());
  auto retry = std::make_shared<RetryInterceptor>(
      RetryRules({.max_attempts = 3, .initial_backoff = 1ms, .max_backoff = 5ms}), std::nullopt);
  auto log = std::make_shared<TriedLog>();
  c.Use(retry);
  c.UseAttempt(log);
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(Call(c, cluster.name()).ok()) << "call " << i;
    auto tried = log->last_tried();
    EXPECT_EQ(std::set<std::string>(tried.begin(), tried.end()).size(), tried.size())
        << "a call went twice to one node";
  }
  // Non-idempotent calls are not repeated: some of them fail.
  int failed = 0;
  int before = cluster.total_calls();
  for (int i = 0; i < 12; ++i) failed += Call(c, cluster.name(), /*idempotent=*/false).ok() ? 0 : 1;
  EXPECT_EQ(cluster.total_calls() - before, 12);
  EXPECT_GT(failed, 0);
}

TEST(ResilientClient, AsyncCallsRetryOnTheTimer) {
  Cluster cluster("retry-async-e2e", 3);
  cluster.at(0).bad = true;
  cluster.at(2).bad = true;
  client::Client c(cluster.registry());
  auto retry = std::make_shared<RetryInterceptor>(
      RetryRules({.max_attempts = 3, .initial_backoff = 1ms, .max_backoff = 5ms}), std::nullopt);
  auto log = std::make_shared<TriedLog>();
  c.Use(retry);
  c.UseAttempt(log);
  for (int i = 0; i < 10; ++i) {
    micro::test::EchoRequest req;
    req.set_message("async");
    micro::test::EchoResponse resp;
    Context ctx = Context::WithTimeout(5s);
    std::promise<Status> result;
    c.CallAsync(ctx, cluster.name(), kMethod, req, &resp, [&](Status s) { result.set_value(s); },
                {.idempotent = true});
    auto f = result.get_future();
    ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
    Status s = f.get();
    auto tried = log->last_tried();
    std::string seen;
    for (const auto& t : tried) seen += t + " ";
    ASSERT_TRUE(s.ok()) << "call " << i << ": " << s << "; retries " << retry->stats().retries
                        << ", deadline " << retry->stats().deadline_too_close << ", not idempotent "
                        << retry->stats().not_idempotent << ", cancelled " << ctx.cancelled()
                        << ", tried " << seen;
    EXPECT_EQ(resp.message(), "async");
  }
}

TEST(ResilientClient, EndpointBreakerSkipsTheFailingInstanceThenHalfOpensAndCloses) {
  Cluster cluster("breaker-e2e", 3);
  cluster.at(1).bad = true;
  ManualClock clock;
  std::mutex mu;
  std::vector<std::string> transitions;
  BreakerOptions options;
  options.hystrix = {.request_volume_threshold = 3,
                     .error_threshold_percent = 50,
                     .sleep_window = 5s,
                     .half_open_probes = 1};
  auto endpoints = std::make_shared<EndpointBreakers>(
      BreakerRules(options),
      [&](std::string_view, BreakerState from, BreakerState to) {
        std::lock_guard lock(mu);
        transitions.push_back(std::string(BreakerStateName(from)) + "->" +
                              std::string(BreakerStateName(to)));
      },
      clock);
  client::Client c(cluster.registry());
  c.Use(std::make_shared<RetryInterceptor>(
      RetryRules({.max_attempts = 3, .initial_backoff = 1ms, .max_backoff = 2ms}), std::nullopt));
  c.UseAttempt(endpoints);
  c.AddRouteFilter(endpoints);

  for (int i = 0; i < 30; ++i) ASSERT_TRUE(Call(c, cluster.name()).ok()) << i;
  const std::string bad_id = cluster.at(1).service->node().id;
  ASSERT_EQ(endpoints->StateOf(cluster.name(), bad_id), BreakerState::kOpen);
  int bad_calls = cluster.at(1).calls;
  EXPECT_LE(bad_calls, 4);
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(Call(c, cluster.name()).ok());
  EXPECT_EQ(cluster.at(1).calls, bad_calls);  // skipped while open

  // It recovers; after the sleep window one probe reaches it and closes the breaker.
  cluster.at(1).bad = false;
  clock.Advance(5s);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(Call(c, cluster.name()).ok());
  EXPECT_EQ(endpoints->StateOf(cluster.name(), bad_id), BreakerState::kClosed);
  EXPECT_GT(cluster.at(1).calls, bad_calls);
  std::lock_guard lock(mu);
  EXPECT_EQ(transitions,
            (std::vector<std::string>{"closed->open", "open->half_open", "half_open->closed"}));
}

TEST(ResilientClient, OutlierEjectionKeepsTrafficOffTheFailingInstance) {
  Cluster cluster("outlier-e2e", 3);
  cluster.at(2).bad = true;
  ManualClock clock;
  auto detector = std::make_shared<OutlierDetector>(
      OutlierRules({.consecutive_failures = 2, .max_ejection_percent = 34}), EjectionListener{},
      clock);
  auto ejection = std::make_shared<OutlierEjection>(detector, clock);
  client::Client c(cluster.registry());
  c.Use(std::make_shared<RetryInterceptor>(
      RetryRules({.max_attempts = 3, .initial_backoff = 1ms, .max_backoff = 2ms}), std::nullopt));
  c.UseAttempt(ejection);
  c.AddRouteFilter(ejection);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(Call(c, cluster.name()).ok()) << i;
  ASSERT_TRUE(detector->IsEjected(cluster.name(), cluster.at(2).service->node().id));
  int bad_calls = cluster.at(2).calls;
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(Call(c, cluster.name()).ok());
  EXPECT_EQ(cluster.at(2).calls, bad_calls);
}

TEST(ResilientClient, MethodBreakerFailsFastWhenTheWholeServiceFails) {
  Cluster cluster("method-breaker-e2e", 2);
  cluster.at(0).bad = true;
  cluster.at(1).bad = true;
  ManualClock clock;
  BreakerOptions options;
  options.hystrix = {.request_volume_threshold = 5, .sleep_window = 5s};
  client::Client c(cluster.registry());
  c.Use(
      std::make_shared<MethodBreakerInterceptor>(BreakerRules(options), BreakerListener{}, clock));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Call(c, cluster.name()).code(), StatusCode::kUnavailable);
  int sent = cluster.total_calls();
  Status s = Call(c, cluster.name());
  EXPECT_EQ(s, Status::Unavailable(std::string("circuit open for ") + kMethod));
  EXPECT_EQ(cluster.total_calls(), sent);
}

}  // namespace
}  // namespace micro::governance

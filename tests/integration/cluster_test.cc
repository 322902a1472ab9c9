// Integration: `micro platform` + greeter processes, called by name from this process.
#include <signal.h>

#include <atomic>
#include <map>
#include <thread>

#include <gtest/gtest.h>

#include <micro/client/client.h>
#include <micro/client/stream.h>

#include "helloworld/greeter.micro.h"
#include "integration/cluster_fixture.h"
#include "support/wait.h"

namespace micro::testing {
namespace {

using namespace std::chrono_literals;

helloworld::HelloRequest Named(const std::string& name) {
  helloworld::HelloRequest r;
  r.set_name(name);
  return r;
}

TEST(Cluster, RoundRobinSpreadsCallsAcrossAllInstances) {
  Cluster cluster;
  ASSERT_NO_FATAL_FAILURE(cluster.StartPlatform());
  for (int i = 1; i <= 3; ++i) cluster.StartGreeter(i);
  ASSERT_TRUE(cluster.WaitForGreeters(3)) << cluster.Logs();

  client::Client client(cluster.shared_registry());
  helloworld::GreeterClient greeter(client);
  std::map<std::string, int> served;
  for (int i = 0; i < 3000; ++i) {
    auto ctx = Context::WithTimeout(2s);
    auto reply = greeter.SayHello(ctx, Named("Alice"));
    ASSERT_TRUE(reply.ok()) << reply.status() << "\n" << cluster.Logs();
    ASSERT_EQ(reply->message(), "Hello, Alice");
    served[reply->served_by()]++;
  }
  ASSERT_EQ(served.size(), 3u);
  for (const auto& [id, n] : served) EXPECT_NEAR(n, 1000, 50) << id;
}

TEST(Cluster, KilledInstanceFailsFastThenLeavesTheRotationAfterItsTtl) {
  Cluster cluster;
  ASSERT_NO_FATAL_FAILURE(cluster.StartPlatform());
  std::vector<std::string> fast_ttl = {"--ttl", "1500ms", "--heartbeat", "300ms"};
  for (int i = 1; i <= 3; ++i) cluster.StartGreeter(i, fast_ttl);
  ASSERT_TRUE(cluster.WaitForGreeters(3)) << cluster.Logs();

  client::Client client(cluster.shared_registry());
  helloworld::GreeterClient greeter(client);
  for (int i = 0; i < 30; ++i) {
    auto ctx = Context::WithTimeout(2s);
    ASSERT_TRUE(greeter.SayHello(ctx, Named("warm")).ok());
  }

  cluster.greeter(2).Signal(SIGKILL);
  ASSERT_TRUE(cluster.greeter(2).Wait(5s).has_value());

  // Until the TTL removes it, calls routed to the dead instance fail with UNAVAILABLE
  // well within their deadline — they never hang.
  int failures = 0;
  bool removed = false;
  auto until = std::chrono::steady_clock::now() + 10s;
  while (!removed && std::chrono::steady_clock::now() < until) {
    auto ctx = Context::WithTimeout(1s);
    auto start = std::chrono::steady_clock::now();
    auto reply = greeter.SayHello(ctx, Named("during"));
    auto took = std::chrono::steady_clock::now() - start;
    if (!reply.ok()) {
      ++failures;
      EXPECT_EQ(reply.status().code(), StatusCode::kUnavailable) << reply.status();
      EXPECT_LT(took, 900ms) << "a call to a dead instance waited for its deadline";
    }
    auto nodes = cluster.registry().Get("greeter");
    removed = nodes.ok() && nodes->nodes.size() == 2;
  }
  ASSERT_TRUE(removed) << "the killed instance was not removed after its TTL\n" << cluster.Logs();

  // The client's cache follows the registry by watch: wait for that event, then no call
  // may go to the dead instance.
  int streak = 0;
  ASSERT_TRUE(WaitFor(
      [&] {
        auto ctx = Context::WithTimeout(1s);
        streak = greeter.SayHello(ctx, Named("after")).ok() ? streak + 1 : 0;
        return streak >= 30;
      },
      10s));
  std::map<std::string, int> served;
  for (int i = 0; i < 300; ++i) {
    auto ctx = Context::WithTimeout(2s);
    auto reply = greeter.SayHello(ctx, Named("after"));
    ASSERT_TRUE(reply.ok()) << reply.status();
    served[reply->served_by()]++;
  }
  EXPECT_EQ(served.count("greeter-2"), 0u);
  EXPECT_EQ(served.size(), 2u);
  RecordProperty("failures_before_ttl", failures);
}

TEST(Cluster, SigtermDrainsCallsInFlightAndNewCallsGoElsewhere) {
  Cluster cluster;
  ASSERT_NO_FATAL_FAILURE(cluster.StartPlatform());
  for (int i = 1; i <= 2; ++i) cluster.StartGreeter(i, {"--drain.timeout", "8s"});
  ASSERT_TRUE(cluster.WaitForGreeters(2)) << cluster.Logs();

  client::Client client(cluster.shared_registry());
  helloworld::GreeterClient greeter(client);

  // Streams that have delivered their first message are certainly in flight at a server;
  // each then takes ~1 s more to finish.
  constexpr int kStreams = 6;
  constexpr int kMessages = 4;
  std::vector<micro::ClientReader<helloworld::HelloReply>> streams;
  std::vector<Context> contexts;
  contexts.reserve(kStreams);
  std::map<std::string, int> stream_owner;
  for (int i = 0; i < kStreams; ++i) {
    contexts.push_back(Context::WithTimeout(20s));
    auto req = Named("stream-" + std::to_string(i));
    req.set_count(kMessages);
    req.set_delay_ms(300);
    auto s = greeter.StreamHellos(contexts.back(), req);
    ASSERT_TRUE(s.ok()) << s.status();
    helloworld::HelloReply first;
    ASSERT_TRUE(s->Read(&first));
    stream_owner[first.served_by()]++;
    streams.push_back(std::move(*s));
  }
  ASSERT_EQ(stream_owner["greeter-1"], kStreams / 2) << "round robin should split the streams";

  cluster.greeter(1).Signal(SIGTERM);

  // Unary calls made during the shutdown all succeed: before the removal reaches the
  // client they are still served by the draining instance, afterwards by the other one.
  std::atomic<bool> done{false};
  std::atomic<int> unary_failures{0};
  std::atomic<int> unary_calls{0};
  std::thread caller([&] {
    while (!done) {
      auto ctx = Context::WithTimeout(3s);
      auto reply = greeter.SayHello(ctx, Named("meanwhile"));
      unary_calls++;
      if (!reply.ok()) {
        unary_failures++;
        ADD_FAILURE() << "call during drain failed: " << reply.status();
      }
    }
  });

  for (auto& s : streams) {
    helloworld::HelloReply reply;
    int received = 1;
    while (s.Read(&reply)) ++received;
    EXPECT_EQ(received, kMessages);
    Status finished = s.Finish();
    EXPECT_TRUE(finished.ok()) << finished;
  }
  auto exit_code = cluster.greeter(1).Wait(15s);
  done = true;
  caller.join();
  ASSERT_TRUE(exit_code.has_value()) << "greeter-1 did not exit after SIGTERM";
  EXPECT_EQ(*exit_code, 0) << cluster.Logs();
  EXPECT_GT(unary_calls.load(), 0);
  EXPECT_EQ(unary_failures.load(), 0);

  ASSERT_TRUE(cluster.WaitForGreeters(1));
  for (int i = 0; i < 100; ++i) {
    auto ctx = Context::WithTimeout(2s);
    auto reply = greeter.SayHello(ctx, Named("after"));
    ASSERT_TRUE(reply.ok()) << reply.status();
    EXPECT_EQ(reply->served_by(), "greeter-2");
  }
}

}  // namespace
}  // namespace micro::testing

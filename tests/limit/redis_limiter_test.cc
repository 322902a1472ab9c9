// RedisLimiter against a real redis-server started by the test: two processes share one
// global limit; Redis is killed mid-run (fallback share applies, nothing hangs) and a new
// one started on the same port (leasing resumes by itself).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <micro/governance/redis_limiter.h>

#include "support/process.h"
#include "support/wait.h"

namespace micro::governance {
namespace {

using micro::testing::Process;
using std::chrono::milliseconds;

bool Accepts(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

class Redis {
 public:
  static std::string Binary() {
    std::string path;
    if (micro::testing::RunCommand("command -v redis-server", &path) != 0) return {};
    while (!path.empty() && (path.back() == '\n' || path.back() == ' ')) path.pop_back();
    return path;
  }
  void Start(uint16_t port, const std::string& dir, const std::string& log) {
    process_ = Process::Start({Binary(), "--port", std::to_string(port), "--bind", "127.0.0.1",
                               "--save", "", "--appendonly", "no", "--dir", dir},
                              log);
    ASSERT_TRUE(micro::testing::WaitFor([&] { return Accepts(port); })) << process_.Log();
  }
  void Kill() {
    process_.Signal(SIGKILL);
    ASSERT_TRUE(process_.Wait(std::chrono::seconds(5)).has_value());
  }

 private:
  Process process_;
};

struct Report {
  std::vector<int64_t> admitted;
  std::vector<int> degraded;
  int64_t total = -1;
  int64_t max_acquire_us = -1;
};

Report Parse(const std::string& log) {
  Report r;
  std::istringstream in(log);
  std::string word;
  while (in >> word) {
    if (word == "slice") {
      size_t index;
      int64_t n;
      int d;
      in >> index >> n >> d;
      r.admitted.push_back(n);
      r.degraded.push_back(d);
    } else if (word == "total") {
      in >> r.total >> word >> r.max_acquire_us;
    }
  }
  return r;
}

int64_t Sum(const std::vector<Report>& reports, size_t from, size_t to) {
  int64_t sum = 0;
  for (const Report& r : reports) {
    for (size_t i = from; i < to && i < r.admitted.size(); ++i) sum += r.admitted[i];
  }
  return sum;
}

TEST(RedisLimiterTest, TwoProcessesShareOneLimitAndSurviveRedisRestarts) {
  if (Redis::Binary().empty()) GTEST_SKIP() << "redis-server not installed";
  const std::string dir = micro::testing::TempDir();
  const uint16_t port = micro::testing::FreePort();
  ASSERT_NE(port, 0);
  Redis redis;
  ASSERT_NO_FATAL_FAILURE(redis.Start(port, dir, dir + "/redis-1.log"));

  // 400/s globally for two processes that each try ~2000/s. While Redis is down each may
  // admit its share of 400/4 = 100/s.
  constexpr int kRate = 400;
  constexpr int kExpected = 4;
  constexpr int kSliceMs = 500;
  constexpr int kDurationMs = 19000;
  const int64_t start_ms =
      std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count() +
      1500;  // time for both clients to start and connect
  const std::string key = "micro-test:" + std::to_string(getpid()) + ":" + std::to_string(start_ms);
  std::vector<Process> clients;
  for (int i = 0; i < 2; ++i) {
    clients.push_back(Process::Start(
        {micro::testing::BinDir() + "/redis_limit_client", "--url",
         "redis://127.0.0.1:" + std::to_string(port), "--key", key, "--rate", std::to_string(kRate),
         "--burst", std::to_string(kRate / 10), "--expected", std::to_string(kExpected),
         "--start-ms", std::to_string(start_ms), "--duration-ms", std::to_string(kDurationMs),
         "--slice-ms", std::to_string(kSliceMs)},
        dir + "/client-" + std::to_string(i) + ".log"));
  }
  auto at = [&](int ms) {
    return std::chrono::system_clock::time_point(milliseconds(start_ms + ms));
  };
  // The timeline: 0-10 s shared limit; 10.5 s Redis killed; 14 s a new Redis on the port.
  std::this_thread::sleep_until(at(10500));
  ASSERT_NO_FATAL_FAILURE(redis.Kill());
  std::this_thread::sleep_until(at(14000));
  Redis second;
  ASSERT_NO_FATAL_FAILURE(second.Start(port, dir, dir + "/redis-2.log"));

  std::vector<Report> reports;
  for (Process& c : clients) {
    auto code = c.Wait(std::chrono::seconds(15));  // no hang: each ends on its own
    ASSERT_TRUE(code.has_value()) << "client hung";
    ASSERT_EQ(*code, 0) << c.Log();
    reports.push_back(Parse(c.Log()));
    ASSERT_EQ(reports.back().admitted.size(), static_cast<size_t>(kDurationMs / kSliceMs))
        << c.Log();
    EXPECT_LT(reports.back().max_acquire_us, 50000) << "TryAcquire blocked";
  }
  auto slice = [&](int ms) { return static_cast<size_t>(ms / kSliceMs); };

  std::printf(
      "0-10s: %lld + %lld admitted (limit %d); 11-14s (Redis down): %lld, %lld; "
      "16-19s (new Redis): %lld + %lld\n",
      static_cast<long long>(Sum({reports[0]}, 0, slice(10000))),
      static_cast<long long>(Sum({reports[1]}, 0, slice(10000))), kRate * 10,
      static_cast<long long>(Sum({reports[0]}, slice(11000), slice(14000))),
      static_cast<long long>(Sum({reports[1]}, slice(11000), slice(14000))),
      static_cast<long long>(Sum({reports[0]}, slice(16000), slice(19000))),
      static_cast<long long>(Sum({reports[1]}, slice(16000), slice(19000))));

  // 1. Shared limit: 10 s at 400/s across both processes, within 5%.
  const int64_t shared = Sum(reports, 0, slice(10000));
  EXPECT_GE(shared, kRate * 10 * 95 / 100) << "admitted " << shared;
  EXPECT_LE(shared, kRate * 10 * 105 / 100) << "admitted " << shared;
  // Both processes got a real part of it (demand is equal).
  for (const Report& r : reports) EXPECT_GT(Sum({r}, 0, slice(10000)), kRate * 10 / 5);

  // 2. Redis down (11-14 s, past the transition): each process serves its share, 100/s.
  for (const Report& r : reports) {
    const int64_t outage = Sum({r}, slice(11000), slice(14000));
    EXPECT_GE(outage, 3 * kRate / kExpected * 85 / 100) << "admitted " << outage;
    EXPECT_LE(outage, 3 * kRate / kExpected * 115 / 100) << "admitted " << outage;
    for (size_t i = slice(11000); i < slice(14000); ++i) EXPECT_EQ(r.degraded[i], 1) << i;
  }

  // 3. Recovered by itself (16-19 s): leasing again, one shared 400/s.
  const int64_t recovered = Sum(reports, slice(16000), slice(19000));
  EXPECT_GE(recovered, kRate * 3 * 90 / 100) << "admitted " << recovered;
  EXPECT_LE(recovered, kRate * 3 * 110 / 100) << "admitted " << recovered;
  for (const Report& r : reports) {
    for (size_t i = slice(16000); i < slice(19000); ++i) EXPECT_EQ(r.degraded[i], 0) << i;
  }
  if (!HasFailure()) std::filesystem::remove_all(dir);
}

TEST(RedisLimiterTest, FlushedScriptCacheFallsBackToEval) {
  if (Redis::Binary().empty()) GTEST_SKIP() << "redis-server not installed";
  const std::string dir = micro::testing::TempDir();
  const uint16_t port = micro::testing::FreePort();
  Redis redis;
  ASSERT_NO_FATAL_FAILURE(redis.Start(port, dir, dir + "/redis.log"));
  auto limiter = RedisLimiter::Create(
      {.url = "redis://127.0.0.1:" + std::to_string(port), .key = "flush", .rate = 1000});
  ASSERT_TRUE(limiter.ok());
  ASSERT_TRUE(micro::testing::WaitFor([&] { return !(*limiter)->degraded(); }));
  const std::string cli = "redis-cli -p " + std::to_string(port) + " ";
  ASSERT_EQ(micro::testing::RunCommand(cli + "SCRIPT FLUSH"), 0);
  // Spend leases until the limiter has had to run the script again.
  std::string stats;
  ASSERT_TRUE(micro::testing::WaitFor([&] {
    (void)(*limiter)->TryAcquire();
    stats.clear();
    micro::testing::RunCommand(cli + "INFO commandstats", &stats);
    return stats.find("cmdstat_eval:calls=") != std::string::npos;
  })) << stats;
  EXPECT_FALSE((*limiter)->degraded());
  limiter->reset();
  std::filesystem::remove_all(dir);
}

TEST(RedisLimiterTest, OptionsAreValidated) {
  auto error = [](RedisLimiterOptions o) { return o.Validate().message(); };
  RedisLimiterOptions ok{.key = "k"};
  EXPECT_TRUE(ok.Validate().ok());
  EXPECT_TRUE(error({}).starts_with("key:"));
  EXPECT_TRUE(error({.url = "http://x:1", .key = "k"}).starts_with("url:"));
  EXPECT_TRUE(error({.url = "redis://x:1?bogus=1", .key = "k"}).starts_with("url:"));
  EXPECT_TRUE(error({.key = "k", .rate = 0}).starts_with("rate:"));
  EXPECT_TRUE(error({.key = "k", .expected_processes = 0}).starts_with("expected_processes:"));
}

TEST(RedisLimiterTest, UnreachableRedisServesTheFallbackShareAtOnce) {
  // Nothing listens on this port: calls are served by the local share, never blocked.
  const uint16_t port = micro::testing::FreePort();
  auto limiter = RedisLimiter::Create({.url = "redis://127.0.0.1:" + std::to_string(port),
                                       .key = "k",
                                       .rate = 100,
                                       .expected_processes = 2});
  ASSERT_TRUE(limiter.ok());
  EXPECT_TRUE((*limiter)->degraded());
  int admitted = 0;
  for (int i = 0; i < 100; ++i) admitted += (*limiter)->TryAcquire() ? 1 : 0;
  EXPECT_EQ(admitted, 5);  // the fallback bucket: 50/s, a tenth of a second of burst
}

}  // namespace
}  // namespace micro::governance

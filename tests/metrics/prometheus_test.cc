// A real Prometheus (Debian's 2.42) scrapes a running service every second; its query API
// returns micro_server_requests_total equal to the calls made.
#include <micro/service.h>

#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include <micro/http/http.h>

#include "echo.pb.h"
#include "support/echo_methods.h"
#include "support/process.h"
#include "support/wait.h"

namespace micro {
namespace {

using namespace std::chrono_literals;

constexpr char kPrometheus[] = "/usr/bin/prometheus";

// The value of a single-series instant query, or -1 while there is none yet.
double QueryValue(uint16_t port, const std::string& query) {
  http::HttpClient http;
  auto r = http.Get("127.0.0.1:" + std::to_string(port),
                    "/api/v1/query?query=" + http::PercentEncode(query), 2s);
  if (!r.ok() || r->status != 200) return -1;
  auto body = nlohmann::json::parse(r->body, nullptr, false);
  if (body.is_discarded() || body["status"] != "success") return -1;
  const auto& result = body["data"]["result"];
  if (!result.is_array() || result.size() != 1) return -1;
  return std::stod(result[0]["value"][1].get<std::string>());  // values come as strings
}

TEST(Prometheus, ScrapesTheServiceAndQueriesTheRequestCount) {
  if (access(kPrometheus, X_OK) != 0) GTEST_SKIP() << kPrometheus << " is not installed";
  ServiceOptions o{.name = "scraped", .registry = "memory:///scraped"};
  o.handle_signals = false;
  o.drain_grace = 0ms;
  Service service(o);
  ASSERT_TRUE(testing::AddEchoMethods(service.server()).ok());
  ASSERT_TRUE(service.Start().ok());

  auto call = [&](int n) {
    micro::test::EchoRequest req;
    req.set_message("scrape me");
    micro::test::EchoResponse resp;
    for (int i = 0; i < n; ++i) {
      Context ctx = Context::WithTimeout(5s);
      Status s = service.Client().Call(ctx, "scraped", testing::kEchoUnary, req, &resp);
      ASSERT_TRUE(s.ok()) << s;
    }
  };
  constexpr int kCalls = 17;
  call(kCalls);

  std::string dir = testing::TempDir();
  uint16_t port = testing::FreePort();
  std::ofstream(dir + "/prometheus.yml")
      << "global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}\n"
         "scrape_configs:\n"
         "  - job_name: micro\n"
         "    static_configs: [{targets: ['127.0.0.1:"
      << service.port("http") << "']}]\n";
  testing::Process prometheus =
      testing::Process::Start({kPrometheus, "--config.file=" + dir + "/prometheus.yml",
                               "--storage.tsdb.path=" + dir + "/data",
                               "--web.listen-address=127.0.0.1:" + std::to_string(port)},
                              dir + "/prometheus.log");
  ASSERT_TRUE(prometheus.running()) << prometheus.Log();

  const std::string query =
      "micro_server_requests_total{job=\"micro\",service=\"micro.test.Echo\",method=\"Unary\","
      "code=\"OK\"}";
  // Prometheus 2.42 applies new targets on a 5 s ticker: the first scrape comes 5-6 s after
  // start, then one every second.
  EXPECT_TRUE(testing::WaitFor([&] { return QueryValue(port, query) == kCalls; }, 25s))
      << "last value " << QueryValue(port, query) << "\n"
      << prometheus.Log();

  // The next scrapes follow further calls.
  call(3);
  EXPECT_TRUE(testing::WaitFor([&] { return QueryValue(port, query) == kCalls + 3; }, 10s))
      << "last value " << QueryValue(port, query);
  EXPECT_EQ(QueryValue(port, "up{job=\"micro\"}"), 1);

  prometheus.Signal(SIGTERM);
  EXPECT_TRUE(prometheus.Wait(10s).has_value());
  service.Shutdown();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace micro

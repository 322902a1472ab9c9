// A running micro::Service exposes GET /metrics: the exposition passes `promtool check
// metrics`, and the default RPC metrics count exactly the calls made.
#include <micro/service.h>

#include <gtest/gtest.h>

#include <fstream>

#include <micro/http/http.h>
#include <micro/metrics/metrics.h>

#include "echo.pb.h"
#include "support/echo_methods.h"
#include "support/process.h"

namespace micro {
namespace {

using namespace std::chrono_literals;

ServiceOptions Options(const std::string& name) {
  ServiceOptions o{.name = name, .registry = "memory:///" + name};
  o.handle_signals = false;
  o.drain_grace = 0ms;
  return o;
}

http::ClientResponse Scrape(Service& service) {
  http::HttpClient http;
  auto r = http.Get("127.0.0.1:" + std::to_string(service.port("http")), "/metrics", 5s);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : http::ClientResponse{};
}

// The value of one sample line ("name{labels} value"), -1 when absent.
double SampleValue(const std::string& text, const std::string& sample) {
  size_t at = text.find("\n" + sample + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + sample.size() + 2));
}

TEST(ServiceMetrics, ExpositionPassesPromtoolAndCountsEveryCall) {
  Service service(Options("metered"));
  ASSERT_TRUE(testing::AddEchoMethods(service.server()).ok());
  ASSERT_TRUE(service.Start().ok());

  // Counts are process-wide (DefaultRegistry): measure what this test adds.
  const std::string ok_calls =
      "micro_server_requests_total{service=\"micro.test.Echo\",method=\"Unary\",code=\"OK\"}";
  const std::string client_calls =
      "micro_client_requests_total{service=\"micro.test.Echo\",method=\"Unary\",code=\"OK\"}";
  std::string before = Scrape(service).body;
  double server_before = std::max(0.0, SampleValue(before, ok_calls));
  double client_before = std::max(0.0, SampleValue(before, client_calls));

  constexpr int kCalls = 25;
  micro::test::EchoRequest req;
  req.set_message("count me");
  micro::test::EchoResponse resp;
  for (int i = 0; i < kCalls; ++i) {
    Context ctx = Context::WithTimeout(5s);
    Status s = service.Client().Call(ctx, "metered", testing::kEchoUnary, req, &resp);
    ASSERT_TRUE(s.ok()) << s;
  }
  req.set_fail_code(static_cast<int>(StatusCode::kInvalidArgument));
  Context ctx = Context::WithTimeout(5s);
  EXPECT_EQ(service.Client().Call(ctx, "metered", testing::kEchoUnary, req, &resp).code(),
            StatusCode::kInvalidArgument);

  http::ClientResponse scrape = Scrape(service);
  ASSERT_EQ(scrape.status, 200);
  EXPECT_EQ(scrape.Header("content-type"), metrics::kExpositionContentType);
  const std::string& text = scrape.body;
  EXPECT_EQ(SampleValue(text, ok_calls), server_before + kCalls) << text;
  EXPECT_EQ(SampleValue(text, client_calls), client_before + kCalls) << text;
  EXPECT_GE(SampleValue(text,
                        "micro_server_requests_total{service=\"micro.test.Echo\","
                        "method=\"Unary\",code=\"INVALID_ARGUMENT\"}"),
            1);
  EXPECT_GE(SampleValue(text,
                        "micro_server_request_duration_seconds_count{service=\"micro.test."
                        "Echo\",method=\"Unary\"}"),
            kCalls + 1);
  EXPECT_EQ(SampleValue(text, "micro_server_in_flight{service=\"micro.test.Echo\"}"), 0);
  EXPECT_EQ(SampleValue(text, "micro_worker_pool_queue_depth{service=\"metered\"}"), 0);
  EXPECT_GT(SampleValue(text, "process_resident_memory_bytes"), 1e6);
  EXPECT_GT(SampleValue(text, "process_open_fds"), 3);
  EXPECT_GT(SampleValue(text, "process_max_fds"), 0);
  EXPECT_GE(SampleValue(text, "process_threads"), 2);
  EXPECT_GT(SampleValue(text, "process_start_time_seconds"), 1.6e9);
  EXPECT_GE(SampleValue(text, "process_cpu_seconds_total"), 0);

  // The real Prometheus linter and parser accept it.
  std::string file = testing::TempDir() + "/metrics.txt";
  std::ofstream(file) << text;
  std::string out;
  int rc = testing::RunCommand("promtool check metrics < " + file + " 2>&1", &out);
  EXPECT_EQ(rc, 0) << out << "\n--- exposition ---\n" << text;
  service.Shutdown();
}

TEST(ServiceMetrics, DisabledByOptionInstallsNoInterceptor) {
  auto opts = ServiceOptions::FromArgs(
      3, std::vector<const char*>{"svc", "--name=quiet", "--metrics.enabled=false"}.data(), {});
  ASSERT_TRUE(opts.ok()) << opts.status();
  EXPECT_FALSE(opts->metrics_enabled);
  ServiceOptions o = Options("quiet");
  o.metrics_enabled = false;
  Service service(o);
  ASSERT_TRUE(testing::AddEchoMethods(service.server()).ok());
  ASSERT_TRUE(service.Start().ok());
  auto count = [] {
    return SampleValue("\n" + metrics::DefaultRegistry().Render(),
                       "micro_server_request_duration_seconds_count{service=\"micro.test.Echo\","
                       "method=\"Unary\"}");
  };
  double before = count();
  micro::test::EchoRequest req;
  micro::test::EchoResponse resp;
  for (int i = 0; i < 3; ++i) {
    Context ctx = Context::WithTimeout(5s);
    ASSERT_TRUE(service.Client().Call(ctx, "quiet", testing::kEchoUnary, req, &resp).ok());
  }
  EXPECT_EQ(count(), before);
  service.Shutdown();
}

}  // namespace
}  // namespace micro

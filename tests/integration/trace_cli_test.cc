// `micro trace` against a real `micro platform` process with a data dir: the waterfall of a
// trace an exporter sent, the list of recent traces, clear errors, and the trace still there
// after the platform restarts.
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <micro/http/http.h>

#include "support/process.h"
#include "support/wait.h"

namespace micro::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr char kTrace[] = "4bf92f3577b34da6a3ce929d0e0e4736";

json Span(const std::string& id, const std::string& parent, const std::string& name, int kind,
          uint64_t t0, uint64_t start_ms, uint64_t end_ms, int code = 0,
          const std::string& message = "") {
  return {{"traceId", kTrace},
          {"spanId", id},
          {"parentSpanId", parent},
          {"name", name},
          {"kind", kind},
          {"startTimeUnixNano", std::to_string(t0 + start_ms * 1000000)},
          {"endTimeUnixNano", std::to_string(t0 + end_ms * 1000000)},
          {"status", {{"code", code}, {"message", message}}}};
}

json Resource(const std::string& service, json spans) {
  return {{"resource",
           {{"attributes", {{{"key", "service.name"}, {"value", {{"stringValue", service}}}}}}}},
          {"scopeSpans", {{{"scope", {{"name", "test"}}}, {"spans", std::move(spans)}}}}};
}

// gateway (200 ms) -> order (client 150 ms -> server 140 ms) -> payment (server 100 ms, failed).
std::string Export(uint64_t t0) {
  json body = {
      {"resourceSpans",
       {Resource("gateway",
                 {Span("a000000000000001", "", "POST /orders", 2, t0, 0, 200),
                  Span("a000000000000002", "a000000000000001", "order.Create", 3, t0, 20, 170)}),
        Resource(
            "order",
            {Span("b000000000000001", "a000000000000002", "order.Create", 2, t0, 25, 165),
             Span("b000000000000002", "b000000000000001", "payment.Charge", 3, t0, 40, 145, 2)}),
        Resource("payment", {Span("c000000000000001", "b000000000000002", "payment.Charge", 2, t0,
                                  42, 142, 2, "card declined")})}}};
  return body.dump();
}

class TraceCli : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(StartPlatform()); }
  void TearDown() override {
    platform_.Signal(SIGTERM);
    platform_.Wait(10s);
    std::filesystem::remove_all(dir_);
  }

  void StartPlatform() {
    port_ = FreePort();
    platform_ = Process::Start(
        {BinDir() + "/micro", "platform", "--port", std::to_string(port_), "--data-dir", dir_},
        dir_ + "/platform.log");
    ASSERT_TRUE(WaitFor(
        [&] {
          auto r = client_.Get(Address(), "/health/live", 1s);
          return r.ok() && r->status == 200;
        },
        15s))
        << "platform did not come up:\n"
        << platform_.Log();
  }
  std::string Address() const { return "127.0.0.1:" + std::to_string(port_); }

  // Runs `micro ARGS` (stderr merged) and returns its exit code.
  int Micro(const std::string& args, std::string* out) {
    out->clear();
    return RunCommand(BinDir() + "/micro " + args + " 2>&1", out);
  }

  std::string dir_ = TempDir();
  uint16_t port_ = 0;
  Process platform_;
  http::HttpClient client_;
  uint64_t t0_ = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                           std::chrono::system_clock::now().time_since_epoch())
                                           .count()) -
                 5'000'000'000;
};

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST_F(TraceCli, PrintsTheTraceAsAnIndentedWaterfall) {
  auto r = client_.Post(Address(), "/v1/traces", Export(t0_), 5s);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->status, 200) << r->body;

  std::string out;
  ASSERT_EQ(Micro(std::string("trace ") + kTrace + " --platform " + Address(), &out), 0) << out;
  auto lines = Lines(out);
  ASSERT_GE(lines.size(), 9u) << out;
  EXPECT_NE(lines[0].find(kTrace), std::string::npos) << out;
  EXPECT_NE(lines[0].find("5 spans"), std::string::npos) << out;
  EXPECT_NE(lines[0].find("3 services"), std::string::npos) << out;
  EXPECT_NE(lines[0].find("200.00ms"), std::string::npos) << out;
  EXPECT_NE(lines[0].find("2 errors"), std::string::npos) << out;
  EXPECT_NE(lines[3].find("DURATION"), std::string::npos) << out;

  // One line per span, in tree order, indented two spaces per level.
  std::vector<std::string> spans(lines.begin() + 4, lines.begin() + 9);
  EXPECT_EQ(spans[0].rfind("gateway POST /orders", 0), 0u) << out;
  EXPECT_EQ(spans[1].rfind("  gateway order.Create", 0), 0u) << out;
  EXPECT_EQ(spans[2].rfind("    order order.Create", 0), 0u) << out;
  EXPECT_EQ(spans[3].rfind("      order payment.Charge", 0), 0u) << out;
  EXPECT_EQ(spans[4].rfind("        payment payment.Charge", 0), 0u) << out;
  // Durations, and error marks with the status message.
  EXPECT_NE(spans[0].find("200.00ms"), std::string::npos) << out;
  EXPECT_NE(spans[4].find("100.00ms"), std::string::npos) << out;
  EXPECT_EQ(spans[0].find(" ! "), std::string::npos) << out;
  EXPECT_NE(spans[3].find(" ! "), std::string::npos) << out;
  EXPECT_NE(spans[4].find("error: card declined"), std::string::npos) << out;
  // Bars on the trace's time span: the root fills it, payment's (42..142 of 200 ms, 40
  // columns) starts at column 8 and ends at 29.
  auto bar = [](const std::string& line) {
    size_t open = line.find('|');
    size_t close = line.find('|', open + 1);
    return line.substr(open + 1, close - open - 1);
  };
  const std::string kBlock = "\u2588";
  std::string root_bar = bar(spans[0]);
  EXPECT_EQ(root_bar.size(), 40 * kBlock.size()) << out;
  std::string payment_bar = bar(spans[4]);
  EXPECT_EQ(payment_bar.find(kBlock), 8u) << out;
  EXPECT_EQ(payment_bar.size(), 8 + 21 * kBlock.size() + 11) << out;

  // The listing finds it by service and by failure.
  ASSERT_EQ(Micro("trace --service payment --error --platform " + Address(), &out), 0) << out;
  EXPECT_NE(out.find(kTrace), std::string::npos) << out;
  EXPECT_NE(out.find("gateway: POST /orders"), std::string::npos) << out;
  ASSERT_EQ(Micro("trace --service nobody --platform " + Address(), &out), 0) << out;
  EXPECT_NE(out.find("no traces found"), std::string::npos) << out;

  // --json is the API's answer.
  ASSERT_EQ(Micro(std::string("trace ") + kTrace + " --json --platform " + Address(), &out), 0);
  EXPECT_EQ(json::parse(out)["spans"].size(), 5u);

  // The trace survives a platform restart (it was written to <data-dir>/traces.db).
  platform_.Signal(SIGTERM);
  ASSERT_TRUE(platform_.Wait(10s).has_value());
  ASSERT_NO_FATAL_FAILURE(StartPlatform());
  ASSERT_EQ(Micro(std::string("trace ") + kTrace + " --platform " + Address(), &out), 0) << out;
  EXPECT_NE(out.find("payment payment.Charge"), std::string::npos) << out;
}

TEST_F(TraceCli, ErrorsAreClearAndExitNonZero) {
  std::string out;
  EXPECT_EQ(Micro("trace 0123456789abcdef0123456789abcdef --platform " + Address(), &out), 1);
  EXPECT_NE(out.find("NOT_FOUND"), std::string::npos) << out;
  EXPECT_NE(out.find("0123456789abcdef0123456789abcdef"), std::string::npos) << out;

  EXPECT_EQ(Micro("trace 1234 --platform " + Address(), &out), 2);
  EXPECT_NE(out.find("32 hex digits"), std::string::npos) << out;

  EXPECT_EQ(Micro(std::string("trace ") + kTrace + " --platform 127.0.0.1:1", &out), 1);
  EXPECT_NE(out.find("UNAVAILABLE"), std::string::npos) << out;

  // MICRO_PLATFORM is read too.
  EXPECT_EQ(RunCommand("MICRO_PLATFORM=" + Address() + " " + BinDir() + "/micro trace 2>&1", &out),
            0);
  EXPECT_NE(out.find("no traces found"), std::string::npos) << out;
}

}  // namespace
}  // namespace micro::testing

// micro::Service's logging: log.* from the service's config (and live changes of it), the
// access log of real calls over both transports, and trace ids on the lines of a call.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include <micro/http/http.h>
#include <micro/log/access_log.h>
#include <micro/log/log.h>
#include <micro/service.h>

#include "capture_sink.h"
#include "echo.pb.h"
#include "support/echo_methods.h"
#include "support/process.h"
#include "support/wait.h"

namespace micro {
namespace {

using namespace std::chrono_literals;
using log::testing::Capture;
using micro::testing::WaitFor;

constexpr char kTraceparent[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
constexpr char kToken[] = "Bearer tok-9f8e7d6c5b4a";

// Replaces the file whole (rename), as editors and config tools do.
void WriteFile(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
  }
  ASSERT_EQ(std::rename(tmp.c_str(), path.c_str()), 0);
}

Result<ServiceOptions> OptionsFromFile(const std::string& name, const std::string& file) {
  std::vector<std::string> args = {
      "svc",           "--config", file, "--name", name, "--registry", "memory:///" + name,
      "--drain.grace", "0"};
  std::vector<const char*> argv;
  for (auto& a : args) argv.push_back(a.c_str());
  auto o = ServiceOptions::FromArgs(static_cast<int>(argv.size()), argv.data(), {});
  if (o.ok()) o->handle_signals = false;
  return o;
}

// An interceptor inside the access log, standing in for handler code that logs with {}.
class LogsInside : public server::Interceptor {
 public:
  Status Intercept(Context& ctx, const server::CallInfo&, server::Next next) override {
    MICRO_LOG_INFO({}, "handler says hi",
                   {"authorization", ctx.metadata().Get("authorization").value_or("")});
    return next(ctx);
  }
};

TEST(ServiceLogging, LevelAndFormatFollowTheConfigFileWithoutARestart) {
  auto sink = Capture();
  std::string file = micro::testing::TempDir() + "/svc.yaml";
  WriteFile(file, "log:\n  level: info\n  format: json\n");
  auto opts = OptionsFromFile("live", file);
  ASSERT_TRUE(opts.ok()) << opts.status();
  Service service(*opts);
  ASSERT_TRUE(service.Start().ok());
  EXPECT_EQ(log::CurrentLevel(), log::Level::kInfo);
  MICRO_LOG_DEBUG({}, "not yet");

  WriteFile(file, "log:\n  level: debug\n  format: json\n");
  ASSERT_TRUE(WaitFor([] { return log::CurrentLevel() == log::Level::kDebug; }));
  MICRO_LOG_DEBUG({}, "now");
  EXPECT_TRUE(sink->WithMsg("not yet").empty());
  ASSERT_EQ(sink->WithMsg("now").size(), 1u);
  auto changed = sink->WithMsg("log settings changed");
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_EQ(changed[0]["level"], "info");  // the line's own level
  EXPECT_EQ(changed[0]["service"], "live");

  // A bad edit keeps what works and says why.
  WriteFile(file, "log:\n  level: loud\n");
  ASSERT_TRUE(WaitFor([&] {
    return !sink->WithMsg("log settings not changed: the new config is invalid").empty();
  }));
  EXPECT_EQ(log::CurrentLevel(), log::Level::kDebug);

  WriteFile(file, "log:\n  level: warn\n  format: console\n");
  ASSERT_TRUE(WaitFor([] { return log::CurrentFormat() == log::Format::kConsole; }));
  EXPECT_EQ(log::CurrentLevel(), log::Level::kWarn);
  service.Shutdown();
}

TEST(ServiceLogging, ABadLogSettingFailsStartNamingTheKey) {
  auto sink = Capture();
  std::string file = micro::testing::TempDir() + "/svc.yaml";
  for (auto [yaml, key] : {std::pair{"log:\n  level: loud\n", "log.level"},
                           {"log:\n  format: xml\n", "log.format"},
                           {"log:\n  levle: debug\n", "log.levle"},
                           {"log:\n  access: maybe\n", "log.access"}}) {
    WriteFile(file, yaml);
    auto opts = OptionsFromFile("bad", file);
    ASSERT_TRUE(opts.ok()) << opts.status();
    Service service(*opts);
    Status s = service.Start();
    EXPECT_FALSE(s.ok()) << yaml;
    EXPECT_NE(s.message().find(key), std::string::npos) << s;
  }
}

struct Hosted {
  std::shared_ptr<log::testing::CaptureSink> sink = Capture();
  std::unique_ptr<Service> service;

  explicit Hosted(const std::string& name) {
    ServiceOptions o{.name = name, .registry = "memory:///" + name};
    o.handle_signals = false;
    o.drain_grace = 0ms;
    o.id = name + "-node1";
    service = std::make_unique<Service>(o);
    EXPECT_TRUE(testing::AddEchoMethods(service->server()).ok());
    service->server().Use(std::make_shared<LogsInside>());
    EXPECT_TRUE(service->Start().ok());
  }
  std::vector<nlohmann::json> Access() {
    log::Flush();
    return sink->WithMsg("access");
  }
};

TEST(ServiceLogging, AccessLogLineForAnHttpCall) {
  Hosted h("access-http");
  http::HttpClient http;
  auto r = http.Do("127.0.0.1:" + std::to_string(h.service->port("http")), "POST",
                   testing::kEchoUnary, R"({"message":"hi"})",
                   {{"content-type", "application/json"},
                    {"authorization", kToken},
                    {"cookie", "session=abc123xyz"},
                    {"x-request-id", "req-abc-123"}},
                   5s);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->status, 200) << r->body;
  std::vector<nlohmann::json> lines;
  ASSERT_TRUE(WaitFor([&] { return !(lines = h.Access()).empty(); }));
  ASSERT_EQ(lines.size(), 1u);
  const auto& j = lines[0];
  EXPECT_EQ(j["level"], "info");
  EXPECT_EQ(j["service"], "access-http");
  EXPECT_EQ(j["instance"], "access-http-node1");
  EXPECT_EQ(j["method"], "/micro.test.Echo/Unary");
  EXPECT_EQ(j["transport"], "http");
  EXPECT_EQ(j["code"], "OK");
  EXPECT_TRUE(j["duration_ms"].is_number()) << j;
  EXPECT_GE(j["duration_ms"].get<double>(), 0.0);
  EXPECT_TRUE(std::regex_match(j["peer"].get<std::string>(), std::regex(R"(.*127\.0\.0\.1.*:\d+)")))
      << j["peer"];
  EXPECT_EQ(j["request_id"], "req-abc-123");
  EXPECT_FALSE(j.contains("error"));
  // No header reaches the log: not the token, not the cookie.
  std::string text = h.sink->Text();
  EXPECT_EQ(text.find("tok-9f8e7d6c5b4a"), std::string::npos) << text;
  EXPECT_EQ(text.find("abc123xyz"), std::string::npos) << text;
  // The handler's own line (logged with {}) is redacted too.
  auto inside = h.sink->WithMsg("handler says hi");
  ASSERT_EQ(inside.size(), 1u);
  EXPECT_EQ(inside[0]["authorization"], "[REDACTED]");
  EXPECT_EQ(inside[0]["service"], "access-http");
}

TEST(ServiceLogging, AccessLogOverGrpcGeneratesARequestIdAndCarriesTraceIds) {
  Hosted h("access-grpc");
  client::Client client(h.service->registry());
  micro::test::EchoRequest req;
  req.set_message("hi");
  micro::test::EchoResponse resp;
  Context ctx = Context::WithTimeout(5s);
  ctx.trace().traceparent = kTraceparent;
  ctx.metadata().Set("authorization", kToken);
  ASSERT_TRUE(client.Call(ctx, "access-grpc", testing::kEchoUnary, req, &resp).ok());

  std::vector<nlohmann::json> lines;
  ASSERT_TRUE(WaitFor([&] { return !(lines = h.Access()).empty(); }));
  const auto& j = lines.at(0);
  EXPECT_EQ(j["transport"], "grpc");
  EXPECT_EQ(j["code"], "OK");
  EXPECT_TRUE(std::regex_match(j["request_id"].get<std::string>(), std::regex("[0-9a-f]{16,}")))
      << j["request_id"];
  // The call's trace context (as the tracing interceptor leaves it in ctx.trace()).
  EXPECT_EQ(j["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
  // The span is the one the call has on the server: the caller's own span, or a new one
  // when tracing is on (client and server spans get their own ids).
  EXPECT_TRUE(std::regex_match(j["span_id"].get<std::string>(), std::regex("[0-9a-f]{16}")))
      << j["span_id"];
  auto inside = h.sink->WithMsg("handler says hi");
  ASSERT_EQ(inside.size(), 1u);
  EXPECT_EQ(inside[0]["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(inside[0]["span_id"], j["span_id"]);
  EXPECT_EQ(h.sink->Text().find("tok-9f8e7d6c5b4a"), std::string::npos);
}

TEST(ServiceLogging, FailedCallsAreLoggedAtTheLevelTheirCodeDeserves) {
  Hosted h("access-fail");
  client::Client client(h.service->registry());
  micro::test::EchoResponse resp;
  for (auto code : {StatusCode::kNotFound, StatusCode::kUnavailable, StatusCode::kInternal}) {
    micro::test::EchoRequest req;
    req.set_fail_code(static_cast<int>(code));
    req.set_message("db password=hunter2 rejected");
    Context ctx = Context::WithTimeout(5s);
    EXPECT_EQ(client.Call(ctx, "access-fail", testing::kEchoUnary, req, &resp).code(), code);
  }
  std::vector<nlohmann::json> lines;
  ASSERT_TRUE(WaitFor([&] { return (lines = h.Access()).size() == 3; }));
  EXPECT_EQ(lines[0]["code"], "NOT_FOUND");
  EXPECT_EQ(lines[0]["level"], "info");
  EXPECT_EQ(lines[1]["code"], "UNAVAILABLE");
  EXPECT_EQ(lines[1]["level"], "warn");
  EXPECT_EQ(lines[2]["code"], "INTERNAL");
  EXPECT_EQ(lines[2]["level"], "error");
  EXPECT_EQ(lines[2]["error"], "db password=[REDACTED] rejected");
}

TEST(ServiceLogging, AccessLogCanBeTurnedOff) {
  auto sink = Capture();
  std::string file = micro::testing::TempDir() + "/svc.yaml";
  WriteFile(file, "log:\n  access: false\n");
  auto opts = OptionsFromFile("quiet", file);
  ASSERT_TRUE(opts.ok()) << opts.status();
  Service service(*opts);
  ASSERT_TRUE(testing::AddEchoMethods(service.server()).ok());
  ASSERT_TRUE(service.Start().ok());
  client::Client client(service.registry());
  micro::test::EchoRequest req;
  micro::test::EchoResponse resp;
  Context ctx = Context::WithTimeout(5s);
  ASSERT_TRUE(client.Call(ctx, "quiet", testing::kEchoUnary, req, &resp).ok());
  log::Flush();
  EXPECT_TRUE(sink->WithMsg("access").empty());

  WriteFile(file, "log:\n  access: true\n");
  ASSERT_TRUE(WaitFor([&] { return !sink->WithMsg("log settings changed").empty(); }));
  Context again = Context::WithTimeout(5s);
  ASSERT_TRUE(client.Call(again, "quiet", testing::kEchoUnary, req, &resp).ok());
  ASSERT_TRUE(WaitFor([&] { return sink->WithMsg("access").size() == 1; }));
  service.Shutdown();
}

}  // namespace
}  // namespace micro

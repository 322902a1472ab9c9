// A Service configured by its `governance` section: server and client policies from the
// --config file, changed live by editing the file, an invalid edit keeping the old rules,
// and a bad section failing Start with the key's name.
#include <micro/service.h>

#include <atomic>
#include <cstdio>
#include <fstream>

#include <gtest/gtest.h>

#include "echo.pb.h"
#include "support/echo_methods.h"
#include "support/process.h"
#include "support/wait.h"

namespace micro {
namespace {

using namespace std::chrono_literals;
using testing::WaitFor;

// Replaces the file in one step, as editors and ConfigMap updates do.
void WriteFile(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  std::ofstream(tmp) << text;
  ASSERT_EQ(std::rename(tmp.c_str(), path.c_str()), 0);
}

class ServiceGovernance : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::TempDir(); }
  void TearDown() override { testing::RunCommand("rm -rf " + dir_); }

  Result<ServiceOptions> Options(const std::string& name, const std::string& yaml,
                                 std::vector<std::string> extra = {}) {
    std::string file = dir_ + "/" + name + "-" + std::to_string(files_.size()) + ".yaml";
    std::ofstream(file) << yaml;
    files_[name] = file;
    std::vector<std::string> args = {"svc",        "--config",          file,
                                     "--registry", "memory:///" + dir_, "--log.level",
                                     "warn",       "--log.access",      "false"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    ServiceOptions defaults{.name = name};
    defaults.handle_signals = false;
    defaults.drain_grace = 0ms;
    return ServiceOptions::FromArgs(static_cast<int>(argv.size()), argv.data(), defaults);
  }

  // Counts reloads of `governance`; the service's own watch was registered first, so when
  // this one has run the service has applied (or rejected) the change.
  std::shared_ptr<std::atomic<int>> CountReloads(Service& service) {
    auto count = std::make_shared<std::atomic<int>>(0);
    service.options().config->Watch("governance", [count](const config::Config&) { ++*count; });
    return count;
  }

  std::string dir_;
  std::map<std::string, std::string> files_;
};

StatusCode CallEcho(client::Client& client, int fail_code = 0) {
  micro::test::EchoRequest req;
  req.set_message("hi");
  req.set_fail_code(fail_code);
  micro::test::EchoResponse resp;
  Context ctx = Context::WithTimeout(5s);
  return client.Call(ctx, "echo", testing::kEchoUnary, req, &resp).code();
}

std::string RateLimit(const std::string& token_bucket) {
  return "governance:\n"
         "  server:\n"
         "    rate_limit:\n"
         "      rules: [{method: \"*\", by: all, token_bucket: " +
         token_bucket + "}]\n";
}

TEST_F(ServiceGovernance, RateLimitChangesLiveAndAnInvalidEditKeepsTheOldRules) {
  auto opts = Options("echo", RateLimit("{rate: 1000, burst: 1000}"));
  ASSERT_TRUE(opts.ok()) << opts.status();
  Service service(*opts);
  ASSERT_TRUE(testing::AddEchoMethods(service.server()).ok());
  ASSERT_TRUE(service.Start().ok());
  auto reloads = CountReloads(service);
  client::Client client(service.registry());
  for (int i = 0; i < 20; ++i) ASSERT_EQ(CallEcho(client), StatusCode::kOk);

  // 1000/s -> 1/s, without a restart.
  WriteFile(files_["echo"], RateLimit("{rate: 1, burst: 1}"));
  ASSERT_TRUE(WaitFor([&] { return CallEcho(client) == StatusCode::kResourceExhausted; }));
  int limited = 0;
  for (int i = 0; i < 3; ++i) limited += CallEcho(client) == StatusCode::kResourceExhausted;
  EXPECT_GE(limited, 2);

  // A typo: the whole edit is rejected, 1/s stays.
  int before = reloads->load();
  WriteFile(files_["echo"], RateLimit("{rate: 1000, bust: 1000}"));
  ASSERT_TRUE(WaitFor([&] { return reloads->load() > before; }));
  limited = 0;
  for (int i = 0; i < 3; ++i) limited += CallEcho(client) == StatusCode::kResourceExhausted;
  EXPECT_GE(limited, 2);

  // The section removed: the limiter is switched off.
  WriteFile(files_["echo"], "governance: {}\n");
  ASSERT_TRUE(WaitFor([&] {
    for (int i = 0; i < 5; ++i) {
      if (CallEcho(client) != StatusCode::kOk) return false;
    }
    return true;
  }));
  service.Shutdown();
}

TEST_F(ServiceGovernance, ClientRetriesFollowTheConfigLive) {
  auto echo_opts = Options("echo", "");
  ASSERT_TRUE(echo_opts.ok()) << echo_opts.status();
  Service echo(*echo_opts);
  auto seen = std::make_shared<testing::EchoRecorder>();
  ASSERT_TRUE(testing::AddEchoMethods(echo.server(), seen).ok());
  ASSERT_TRUE(echo.Start().ok());

  const std::string retry = R"(
governance:
  client:
    retry:
      default: {max_attempts: 3, initial_backoff_ms: 1, max_backoff_ms: 2}
      rules: {"/micro.test.Echo/Unary": {idempotent: true}}
      budget: {enabled: false}
)";
  auto caller_opts = Options("caller", retry);
  ASSERT_TRUE(caller_opts.ok()) << caller_opts.status();
  Service caller(*caller_opts);
  ASSERT_TRUE(caller.Start().ok());
  auto reloads = CountReloads(caller);

  EXPECT_EQ(CallEcho(caller.Client(), /*UNAVAILABLE*/ 14), StatusCode::kUnavailable);
  EXPECT_EQ(seen->finished(), 3u);  // one call, three attempts

  std::string once = retry;
  once.replace(once.find("max_attempts: 3"), 15, "max_attempts: 1");
  WriteFile(files_["caller"], once);
  ASSERT_TRUE(WaitFor([&] { return reloads->load() > 0; }));
  size_t attempts = seen->finished();
  EXPECT_EQ(CallEcho(caller.Client(), 14), StatusCode::kUnavailable);
  EXPECT_EQ(seen->finished(), attempts + 1);
  caller.Shutdown();
  echo.Shutdown();
}

std::string Versions(const std::string& weights) {
  return "governance:\n"
         "  client:\n"
         "    selector: least_request\n"
         "    services:\n"
         "      echo: {selector: random, versions: " +
         weights + "}\n";
}

TEST_F(ServiceGovernance, CanaryWeightsAndLanesRouteAndChangeLive) {
  auto seen_v1 = std::make_shared<testing::EchoRecorder>();
  auto seen_v2 = std::make_shared<testing::EchoRecorder>();
  auto seen_canary = std::make_shared<testing::EchoRecorder>();
  auto v1_opts = Options("echo", "", {"--version", "v1"});
  auto v2_opts = Options("echo", "", {"--version", "v2"});
  auto canary_opts = Options("echo", "", {"--version", "v1", "--metadata.lane", "canary"});
  ASSERT_TRUE(v1_opts.ok() && v2_opts.ok() && canary_opts.ok());
  Service v1(*v1_opts), v2(*v2_opts), canary(*canary_opts);
  ASSERT_TRUE(testing::AddEchoMethods(v1.server(), seen_v1).ok());
  ASSERT_TRUE(testing::AddEchoMethods(v2.server(), seen_v2).ok());
  ASSERT_TRUE(testing::AddEchoMethods(canary.server(), seen_canary).ok());
  ASSERT_TRUE(v1.Start().ok() && v2.Start().ok() && canary.Start().ok());

  auto caller_opts = Options("caller", Versions("{v1: 0, v2: 100}"));
  ASSERT_TRUE(caller_opts.ok()) << caller_opts.status();
  Service caller(*caller_opts);
  ASSERT_TRUE(caller.Start().ok());
  auto reloads = CountReloads(caller);

  for (int i = 0; i < 10; ++i) ASSERT_EQ(CallEcho(caller.Client()), StatusCode::kOk);
  EXPECT_EQ(seen_v2->finished(), 10u);  // the base lane, all of it v2
  EXPECT_EQ(seen_v1->finished() + seen_canary->finished(), 0u);

  // The canary lane label wins over the version weights.
  micro::test::EchoRequest req;
  micro::test::EchoResponse resp;
  Context ctx = Context::WithTimeout(5s);
  ctx.metadata().Set("x-micro-lane", "canary");
  ASSERT_TRUE(caller.Client().Call(ctx, "echo", testing::kEchoUnary, req, &resp).ok());
  EXPECT_EQ(seen_canary->finished(), 1u);

  WriteFile(files_["caller"], Versions("{v1: 100, v2: 0}"));
  ASSERT_TRUE(WaitFor([&] { return reloads->load() > 0; }));
  size_t v2_before = seen_v2->finished();
  for (int i = 0; i < 10; ++i) ASSERT_EQ(CallEcho(caller.Client()), StatusCode::kOk);
  EXPECT_EQ(seen_v1->finished(), 10u);
  EXPECT_EQ(seen_v2->finished(), v2_before);
  caller.Shutdown();
  canary.Shutdown();
  v2.Shutdown();
  v1.Shutdown();
}

// An Echo service whose Unary always fails with UNAVAILABLE, counting its calls.
Status AddFailingEcho(server::Server& server, std::shared_ptr<std::atomic<int>> calls) {
  server::Method unary{.service = testing::kEchoService,
                       .name = "Unary",
                       .request_prototype = &micro::test::EchoRequest::default_instance(),
                       .response_prototype = &micro::test::EchoResponse::default_instance()};
  unary.unary = [calls](Context&, const google::protobuf::Message&, google::protobuf::Message*) {
    ++*calls;
    return Status::Unavailable("broken node");
  };
  return server.AddMethod(unary);
}

TEST_F(ServiceGovernance, OutlierEjectionFromConfigRoutesAroundAFailingNode) {
  auto good_opts = Options("echo", "");
  auto bad_opts = Options("echo", "");
  ASSERT_TRUE(good_opts.ok() && bad_opts.ok());
  Service good(*good_opts), bad(*bad_opts);
  auto bad_calls = std::make_shared<std::atomic<int>>(0);
  ASSERT_TRUE(testing::AddEchoMethods(good.server()).ok());
  ASSERT_TRUE(AddFailingEcho(bad.server(), bad_calls).ok());
  ASSERT_TRUE(good.Start().ok() && bad.Start().ok());

  auto caller_opts = Options("caller", R"(
governance:
  client:
    outlier:
      default: {consecutive_failures: 2, base_ejection_time_ms: 60000, max_ejection_percent: 50}
)");
  ASSERT_TRUE(caller_opts.ok()) << caller_opts.status();
  Service caller(*caller_opts);
  ASSERT_TRUE(caller.Start().ok());

  int failed = 0;
  for (int i = 0; i < 10; ++i) failed += CallEcho(caller.Client()) != StatusCode::kOk;
  EXPECT_EQ(failed, 2);  // two failures in a row eject the node...
  EXPECT_EQ(bad_calls->load(), 2);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(CallEcho(caller.Client()), StatusCode::kOk);
  EXPECT_EQ(bad_calls->load(), 2);  // ...and it gets nothing more
  caller.Shutdown();
  bad.Shutdown();
  good.Shutdown();
}

TEST_F(ServiceGovernance, BadSectionFailsStartNamingTheKey) {
  auto opts = Options("echo",
                      "governance:\n  client:\n    retry:\n      default:\n"
                      "        max_atempts: 3\n");
  ASSERT_TRUE(opts.ok()) << opts.status();
  Service service(*opts);
  Status started = service.Start();
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(started.message().find("governance.client.retry.default.max_atempts: unknown key"),
            std::string::npos)
      << started;
}

}  // namespace
}  // namespace micro

// Governance: what it installs for a config, and how a reload swaps rules — all or nothing,
// and only for the sections that changed.
#include <micro/governance/governance.h>

#include <gtest/gtest.h>

#include <micro/config/parse.h>

#include "support/process.h"

namespace micro::governance {
namespace {

config::Value Yaml(const std::string& text) {
  auto doc = config::ParseDocument(text, config::Format::kYaml);
  EXPECT_TRUE(doc.ok()) << doc.status();
  const config::Value* g = doc->Find("governance");
  return g ? *g : config::Value();
}

// Runs calls of one method through a server interceptor, ending in a handler that
// answers OK.
class ServerCalls {
 public:
  explicit ServerCalls(std::shared_ptr<server::Interceptor> interceptor) {
    chain_.Add(std::move(interceptor));
    chain_.Add(std::make_shared<Ok>());
  }
  StatusCode Call() {
    Context ctx;
    return chain_.Run(ctx, server::CallInfo{.method = method_, .transport = "grpc"}).code();
  }

 private:
  struct Ok : server::Interceptor {
    Status Intercept(Context&, const server::CallInfo&, server::Next) override { return {}; }
  };
  server::Method method_{.service = "t.Svc", .name = "Get"};
  server::Chain chain_;
};

// One call through a client interceptor whose attempt fails with `code`.
StatusCode ClientCall(client::ClientInterceptor& interceptor, StatusCode code) {
  Context ctx;
  client::ClientCall call{.service = "inventory", .method = "/shop.Inventory/Get"};
  std::vector<std::shared_ptr<client::ClientInterceptor>> none;
  client::ClientNext next(
      &none, 0,
      [](void* owner, Context&, client::ClientCall&, client::Done done) {
        done(Status(*static_cast<StatusCode*>(owner), "attempt"));
      },
      &code);
  StatusCode result = StatusCode::kUnknown;
  interceptor.Intercept(ctx, call, next, [&](Status s) { result = s.code(); });
  return result;
}

TEST(Governance, NoSectionInstallsNothing) {
  auto g = Governance::Create(config::Value());
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ((*g)->retry(), nullptr);
  EXPECT_EQ((*g)->method_breakers(), nullptr);
  EXPECT_EQ((*g)->endpoint_breakers(), nullptr);
  EXPECT_EQ((*g)->outlier(), nullptr);
  EXPECT_EQ((*g)->rate_limit(), nullptr);
  EXPECT_EQ((*g)->bulkhead(), nullptr);
  EXPECT_EQ((*g)->shedder(), nullptr);
}

TEST(Governance, InstallsWhatTheConfigNames) {
  auto g = Governance::Create(Yaml(R"(
governance:
  client: {retry: {}, breaker: {}, endpoint_breaker: {}, outlier: {}}
  server: {rate_limit: {}, bulkhead: {}}
)"));
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_NE((*g)->retry(), nullptr);
  EXPECT_NE((*g)->method_breakers(), nullptr);
  EXPECT_NE((*g)->endpoint_breakers(), nullptr);
  EXPECT_NE((*g)->outlier(), nullptr);
  EXPECT_NE((*g)->rate_limit(), nullptr);
  EXPECT_NE((*g)->bulkhead(), nullptr);
  EXPECT_EQ((*g)->shedder(), nullptr);
}

TEST(Governance, InvalidConfigFailsCreateNamingTheKey) {
  auto g =
      Governance::Create(Yaml("governance: {server: {bulkhead: {rules: [{max_concurent: 1}]}}}"));
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(g.status().message().rfind("governance.server.bulkhead.rules.0.max_concurent: "
                                       "unknown key",
                                       0),
            0u)
      << g.status();
}

constexpr char kFast[] = R"(
governance:
  server:
    rate_limit: {rules: [{method: "*", by: all, token_bucket: {rate: 1000, burst: 1000}}]}
)";
constexpr char kSlow[] = R"(
governance:
  server:
    rate_limit: {rules: [{method: "*", by: all, token_bucket: {rate: 0.001, burst: 1}}]}
)";
constexpr char kSlowTypo[] = R"(
governance:
  server:
    rate_limit: {rules: [{method: "*", by: all, token_bucket: {rate: 1000, bust: 1000}}]}
)";

TEST(Governance, ReloadSwapsRulesAndAnInvalidReloadKeepsThem) {
  auto g = Governance::Create(Yaml(kFast));
  ASSERT_TRUE(g.ok()) << g.status();
  ServerCalls calls((*g)->rate_limit());
  for (int i = 0; i < 10; ++i) ASSERT_EQ(calls.Call(), StatusCode::kOk);

  ASSERT_TRUE((*g)->Reload(Yaml(kSlow)).ok());
  EXPECT_EQ(calls.Call(), StatusCode::kOk);
  EXPECT_EQ(calls.Call(), StatusCode::kResourceExhausted);

  Status bad = (*g)->Reload(Yaml(kSlowTypo));
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.message().find("governance.server.rate_limit.rules.0.token_bucket.bust"),
            std::string::npos)
      << bad;
  EXPECT_EQ((*g)->last_reload_status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((*g)->reloads(), 2u);
  EXPECT_EQ(calls.Call(), StatusCode::kResourceExhausted);  // still the 1-call bucket
}

TEST(Governance, RedisRuleIsOneSharedLimiterKeptAcrossUnrelatedEdits) {
  // Nothing listens on the port: the limiter serves its local fallback share (0.001/s,
  // one call), which shows which limiter the rule uses without a Redis server.
  std::string rule = "{method: \"*\", by: all, redis: {url: \"redis://127.0.0.1:" +
                     std::to_string(testing::FreePort()) +
                     "?timeout_ms=50\", key: gov, rate: 1000, fallback_rate: 0.001}}";
  auto g = Governance::Create(Yaml("governance: {server: {rate_limit: {rules: [" + rule + "]}}}"));
  ASSERT_TRUE(g.ok()) << g.status();
  ServerCalls calls((*g)->rate_limit());
  EXPECT_EQ(calls.Call(), StatusCode::kOk);
  EXPECT_EQ(calls.Call(), StatusCode::kResourceExhausted);

  // Another rule added: the Redis rule keeps its limiter (a new one would admit a call).
  ASSERT_TRUE((*g)->Reload(Yaml("governance: {server: {rate_limit: {rules: [" + rule +
                                ", {method: \"/x.Y/*\", token_bucket: {rate: 5}}]}}}"))
                  .ok());
  EXPECT_EQ(calls.Call(), StatusCode::kResourceExhausted);
}

TEST(Governance, OnlyChangedSectionsGetNewRules) {
  const std::string breaker = R"(
governance:
  client:
    breaker: {default: {hystrix: {request_volume_threshold: 2, error_threshold_percent: 50,
                                  sleep_window_ms: 60000}}}
)";
  auto g = Governance::Create(Yaml(breaker));
  ASSERT_TRUE(g.ok()) << g.status();
  auto breakers = (*g)->method_breakers();
  for (int i = 0; i < 3; ++i) ClientCall(*breakers, StatusCode::kUnavailable);
  ASSERT_EQ(breakers->StateOf("inventory", "/shop.Inventory/Get"), BreakerState::kOpen);

  // An edit elsewhere leaves the open breaker alone...
  ASSERT_TRUE((*g)->Reload(Yaml(breaker + "  server: {bulkhead: {}}\n")).ok());
  EXPECT_EQ(breakers->StateOf("inventory", "/shop.Inventory/Get"), BreakerState::kOpen);
  EXPECT_EQ(ClientCall(*breakers, StatusCode::kOk), StatusCode::kUnavailable);  // rejected

  // ...an edit of the breaker's own section starts it afresh.
  std::string edited = breaker;
  edited.replace(edited.find("60000"), 5, "30000");
  ASSERT_TRUE((*g)->Reload(Yaml(edited)).ok());
  EXPECT_EQ(breakers->StateOf("inventory", "/shop.Inventory/Get"), BreakerState::kClosed);
  EXPECT_EQ(ClientCall(*breakers, StatusCode::kOk), StatusCode::kOk);
}

}  // namespace
}  // namespace micro::governance

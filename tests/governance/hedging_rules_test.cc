// governance.client.hedging: its schema and error messages, the rule that a method is
// hedged or retried but not both, and Governance installing and reloading it.
#include <micro/governance/governance.h>
#include <micro/governance/rules.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <future>

#include <micro/config/parse.h>
#include <micro/runtime/timer.h>

#include "echo.pb.h"

namespace micro::governance {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

config::Value Yaml(const std::string& text) {
  auto doc = config::ParseDocument(text, config::Format::kYaml);
  EXPECT_TRUE(doc.ok()) << doc.status();
  const config::Value* g = doc->Find("governance");
  return g ? *g : config::Value();
}

Status ParseError(const std::string& text) {
  auto parsed = ParseGovernance(Yaml(text));
  EXPECT_FALSE(parsed.ok()) << "parsed:\n" << text;
  return parsed.ok() ? Status::Ok() : parsed.status();
}

TEST(HedgingRules, EveryKeyAndRulesStartFromTheDefault) {
  auto parsed = ParseGovernance(Yaml(R"(
governance:
  client:
    hedging:
      default: {delay_ms: 30, non_fatal_codes: [UNAVAILABLE, RESOURCE_EXHAUSTED]}
      rules:
        catalog: {max_attempts: 3, delay_percentile: 95, min_samples: 50}
        "/shop.Cart/Get": {max_attempts: 2, idempotent: true}
)"));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_TRUE(parsed->client.hedging.has_value());
  const HedgingRules& rules = *parsed->client.hedging;
  EXPECT_FALSE(rules.defaults().enabled());
  EXPECT_EQ(rules.defaults().delay, 30ms);
  const HedgingOptions& catalog = rules.For("catalog", "/shop.Catalog/Get");
  EXPECT_EQ(catalog.max_attempts, 3);
  EXPECT_EQ(catalog.delay, 30ms);
  EXPECT_EQ(catalog.delay_percentile, 95);
  EXPECT_EQ(catalog.min_samples, 50);
  EXPECT_TRUE(catalog.non_fatal_codes.Contains(StatusCode::kResourceExhausted));
  const HedgingOptions& cart = rules.For("cart", "/shop.Cart/Get");
  EXPECT_EQ(cart.max_attempts, 2);
  EXPECT_TRUE(cart.idempotent);
  EXPECT_FALSE(rules.For("cart", "/shop.Cart/Put").enabled());
  // Absent: not installed.
  auto none = ParseGovernance(Yaml("governance: {client: {}}"));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->client.hedging.has_value());
}

TEST(HedgingRules, ErrorsNameTheKeyPath) {
  EXPECT_THAT(
      ParseError("governance: {client: {hedging: {rules: {catalog: {delay: 5}}}}}").message(),
      HasSubstr("governance.client.hedging.rules.\"catalog\".delay: unknown key"));
  EXPECT_THAT(ParseError("governance: {client: {hedging: {default: {max_attempts: 0}}}}").message(),
              HasSubstr("governance.client.hedging.default.max_attempts"));
  EXPECT_THAT(
      ParseError("governance: {client: {hedging: {default: {delay_percentile: 100}}}}").message(),
      HasSubstr("governance.client.hedging.default.delay_percentile"));
  EXPECT_THAT(
      ParseError("governance: {client: {hedging: {default: {non_fatal_codes: [NOPE]}}}}").message(),
      HasSubstr("governance.client.hedging.default.non_fatal_codes"));
  EXPECT_THAT(ParseError("governance: {client: {hedging: {budget: {}}}}").message(),
              HasSubstr("governance.client.hedging.budget: unknown key"));
}

TEST(HedgingRules, AMethodIsHedgedOrRetriedNotBoth) {
  Status both_default = ParseError(R"(
governance:
  client:
    retry: {}
    hedging: {default: {max_attempts: 2}}
)");
  EXPECT_THAT(both_default.message(), HasSubstr("governance.client.hedging.default"));
  EXPECT_THAT(both_default.message(), HasSubstr("hedged or retried, not both"));
  Status same_rule = ParseError(R"(
governance:
  client:
    retry: {default: {max_attempts: 1}, rules: {"/shop.Cart/Get": {max_attempts: 3}}}
    hedging: {rules: {"/shop.Cart/Get": {max_attempts: 2}}}
)");
  EXPECT_THAT(same_rule.message(), HasSubstr("governance.client.hedging.rules.\"/shop.Cart/Get\""));
  // Retry off by default and hedging on by default is fine; so is a rule that turns one off.
  EXPECT_TRUE(ParseGovernance(Yaml(R"(
governance:
  client:
    retry: {default: {max_attempts: 1}, rules: {"/shop.Cart/Get": {max_attempts: 3}}}
    hedging: {default: {max_attempts: 2}, rules: {"/shop.Cart/Get": {max_attempts: 1}}}
)"))
                  .ok());
}

TEST(HedgingRules, TheMoreSpecificRuleDecidesWhichPolicyActs) {
  // Hedging for the catalog service, retries for its Put method and (by default) for
  // every other service.
  RetryRules retry(RetryOptions{.max_attempts = 3},
                   {{"/catalog.Catalog/Put", RetryOptions{.max_attempts = 4}}});
  HedgingRules hedging(HedgingOptions{}, {{"catalog", HedgingOptions{.max_attempts = 2}}});
  RetryRules r = RetryBesideHedging(retry, hedging);
  HedgingRules h = HedgingBesideRetry(hedging, retry);
  auto retried = [&](std::string_view s, std::string_view m) {
    return r.For(s, m).max_attempts > 1;
  };
  auto hedged = [&](std::string_view s, std::string_view m) { return h.For(s, m).enabled(); };
  EXPECT_TRUE(hedged("catalog", "/catalog.Catalog/Get"));
  EXPECT_FALSE(retried("catalog", "/catalog.Catalog/Get"));
  EXPECT_TRUE(retried("catalog", "/catalog.Catalog/Put"));
  EXPECT_FALSE(hedged("catalog", "/catalog.Catalog/Put"));
  EXPECT_TRUE(retried("orders", "/orders.Orders/Get"));
  EXPECT_FALSE(hedged("orders", "/orders.Orders/Get"));
  EXPECT_EQ(r.For("catalog", "/catalog.Catalog/Put").max_attempts, 4);
}

// Runs one call through `interceptor` and counts its attempts. The first attempt answers
// `first` after 200 ms (or CANCELLED when cancelled first); later ones answer OK at once.
int Attempts(client::ClientInterceptor& interceptor, std::string_view service,
             std::string_view method, Status first = Status::Ok()) {
  struct Terminal {
    std::atomic<int> attempts{0};
    Status first;
    static void Run(void* owner, Context& ctx, client::ClientCall& call, client::Done done) {
      auto* self = static_cast<Terminal*>(owner);
      call.tried.push_back("127.0.0.1:" + std::to_string(1000 + self->attempts));
      if (self->attempts++ > 0) return done(Status::Ok());
      if (!self->first.ok()) return done(self->first);
      // Whoever swaps `answered` answers: the timer or a cancellation.
      auto answered = std::make_shared<std::atomic<bool>>(false);
      auto shared_done = std::make_shared<client::Done>(std::move(done));
      runtime::Timer::Shared().After(200ms, [answered, shared_done] {
        if (!answered->exchange(true)) (*shared_done)(Status::Ok());
      });
      ctx.OnCancel([answered, shared_done] {
        if (!answered->exchange(true)) (*shared_done)(Status::Cancelled("lost"));
      });
    }
  } terminal;
  terminal.first = first;
  micro::test::EchoRequest req;
  micro::test::EchoResponse resp;
  client::ClientCall call{
      .service = service, .method = method, .request = &req, .response = &resp, .idempotent = true};
  Context ctx = Context::WithTimeout(5s);
  std::vector<std::shared_ptr<client::ClientInterceptor>> none;
  std::promise<Status> status;
  interceptor.Intercept(ctx, call, client::ClientNext(&none, 0, &Terminal::Run, &terminal),
                        [&](Status s) { status.set_value(std::move(s)); });
  auto answered = status.get_future();
  EXPECT_EQ(answered.wait_for(5s), std::future_status::ready);
  return terminal.attempts;
}

TEST(HedgingRules, GovernanceInstallsBothAndEachLeavesTheOthersMethodsAlone) {
  auto g = Governance::Create(Yaml(R"(
governance:
  client:
    retry: {default: {max_attempts: 3, initial_backoff_ms: 1, max_backoff_ms: 1}}
    hedging: {rules: {catalog: {max_attempts: 2, delay_ms: 1}}}
)"),
                              "round_robin", nullptr);
  ASSERT_TRUE(g.ok()) << g.status();
  auto hedging = (*g)->hedging();
  auto retry = (*g)->retry();
  ASSERT_NE(hedging, nullptr);
  ASSERT_NE(retry, nullptr);
  EXPECT_EQ(Attempts(*hedging, "catalog", "/catalog.Catalog/Get"), 2);
  EXPECT_EQ(Attempts(*hedging, "orders", "/orders.Orders/Get"), 1);
  Status down = Status::Unavailable("down");
  EXPECT_EQ(Attempts(*retry, "catalog", "/catalog.Catalog/Get", down), 1)
      << "retried a hedged method";
  EXPECT_EQ(Attempts(*retry, "orders", "/orders.Orders/Get", down), 2);

  // Reload: hedging moves to orders; catalog is retried again.
  ASSERT_TRUE((*g)->Reload(Yaml(R"(
governance:
  client:
    retry: {default: {max_attempts: 3, initial_backoff_ms: 1, max_backoff_ms: 1}}
    hedging: {rules: {orders: {max_attempts: 2, delay_ms: 1}}}
)"))
                  .ok());
  EXPECT_EQ(Attempts(*hedging, "catalog", "/catalog.Catalog/Get"), 1);
  EXPECT_EQ(Attempts(*hedging, "orders", "/orders.Orders/Get"), 2);
  EXPECT_EQ(Attempts(*retry, "catalog", "/catalog.Catalog/Get", down), 2);
  EXPECT_EQ(Attempts(*retry, "orders", "/orders.Orders/Get", down), 1);

  // Reload without hedging: the retry rules are the retry section's alone.
  ASSERT_TRUE((*g)->Reload(Yaml(R"(
governance:
  client:
    retry: {default: {max_attempts: 3, initial_backoff_ms: 1, max_backoff_ms: 1}}
)"))
                  .ok());
  EXPECT_EQ(Attempts(*retry, "orders", "/orders.Orders/Get", down), 2);
}

TEST(HedgingRules, HedgesShareTheRetryBudget) {
  auto g = Governance::Create(Yaml(R"(
governance:
  client:
    retry:
      default: {max_attempts: 1}
      budget: {ratio: 0, min_retries_per_second: 0.1, window_ms: 10000}
    hedging: {default: {max_attempts: 2, delay_ms: 1}}
)"),
                              "round_robin", nullptr);
  ASSERT_TRUE(g.ok()) << g.status();
  // The budget holds one retry (0.1/s over 10 s): the first call hedges, the next does not.
  EXPECT_EQ(Attempts(*(*g)->hedging(), "catalog", "/catalog.Catalog/Get"), 2);
  EXPECT_EQ((*g)->retry()->Budget("catalog")->Available(), 0);
  EXPECT_EQ(Attempts(*(*g)->hedging(), "catalog", "/catalog.Catalog/Get"), 1);
  EXPECT_EQ((*g)->hedging()->stats().budget_exhausted, 1u);
}

}  // namespace
}  // namespace micro::governance

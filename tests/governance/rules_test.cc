// ParseGovernance: every section of a full example, error messages that name the key path,
// and which rule applies to a call.
#include <micro/governance/rules.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <micro/config/parse.h>

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

constexpr char kFull[] = R"(
governance:
  client:
    selector: p2c_ewma
    zone: eu-1
    lanes: false
    services:
      inventory:
        selector: "consistent_hash?key=x-user-id"
        versions: {v1: 90, v2: 10}
      catalog:
        versions: {"1.2.0": 1}
    retry:
      default: {max_attempts: 3, retryable_codes: [UNAVAILABLE], initial_backoff_ms: 25,
                max_backoff_ms: 1000, multiplier: 2}
      rules:
        inventory: {max_attempts: 4}
        "/shop.Order/Get": {idempotent: true}
      budget: {ratio: 0.1, min_retries_per_second: 5, window_ms: 5000, buckets: 5}
    breaker:
      default:
        kind: hystrix
        failure_codes: [UNAVAILABLE, INTERNAL]
        hystrix: {window_ms: 2000, buckets: 4, request_volume_threshold: 5,
                  error_threshold_percent: 40, sleep_window_ms: 700, half_open_probes: 2}
      rules:
        "/shop.Payment/Charge": {kind: sre, sre: {window_ms: 3000, buckets: 6, k: 1.5,
                                                  min_requests: 4}}
    endpoint_breaker:
      default: {kind: sre}
      rules: {payment: {kind: hystrix}}
    outlier:
      default: {consecutive_failures: 3, failure_codes: [UNAVAILABLE], latency_factor: 0,
                interval_ms: 500, latency_min_requests: 2, latency_min_hosts: 2,
                base_ejection_time_ms: 100, max_ejection_time_ms: 1000,
                max_ejection_percent: 50}
  server:
    rate_limit:
      rules:
        - {method: "*", by: ip, token_bucket: {rate: 50, burst: 100}}
        - method: /shop.Order/Create
          by: caller
          caller_key: x-user-id
          per_method: true
          sliding_window: {limit: 10, window_ms: 1000}
          max_keys: 100
          idle_timeout_ms: 60000
        - {method: "/shop.Report/*", by: all, leaky_bucket: {rate: 5, queue_depth: 2}}
        - method: /shop.Order/*
          by: all
          redis: {url: "redis://10.0.0.5:6379?db=2", key: orders, rate: 1000, burst: 200,
                  expected_processes: 4, fallback_rate: 200, lease_period_ms: 50,
                  max_lease: 100, reconnect_min_ms: 10, reconnect_max_ms: 500}
    bulkhead:
      rules:
        - {method: /shop.Report/Build, max_concurrent: 4, max_wait_ms: 20, max_waiting: 8}
        - {method: "*", max_concurrent: 256}
    shedding: {cpu_threshold: 0.8, window_ms: 2000, buckets: 20, cool_off_ms: 500,
               exempt: ["/grpc.health.v1.Health/*", "/shop.Ping/*"]}
)";

TEST(GovernanceRules, FullExampleParsesEverySection) {
  auto parsed = ParseGovernance(Yaml(kFull));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const ClientGovernance& c = parsed->client;
  EXPECT_EQ(c.routing.selector, "p2c_ewma");
  EXPECT_EQ(c.routing.zone, "eu-1");
  EXPECT_FALSE(c.routing.lanes);
  ASSERT_EQ(c.routing.services.size(), 2u);
  EXPECT_EQ(c.routing.services.at("inventory").selector, "consistent_hash://?key=x-user-id");
  using Weights = std::vector<std::pair<std::string, uint32_t>>;
  EXPECT_EQ(c.routing.services.at("inventory").versions, (Weights{{"v1", 90}, {"v2", 10}}));
  EXPECT_EQ(c.routing.services.at("catalog").versions, (Weights{{"1.2.0", 1}}));  // dots kept

  ASSERT_TRUE(c.retry);
  const RetryOptions& r = c.retry->rules.defaults();
  EXPECT_EQ(r.max_attempts, 3);
  EXPECT_EQ(r.retryable_codes, CodeSet{StatusCode::kUnavailable});
  EXPECT_EQ(r.initial_backoff, 25ms);
  EXPECT_EQ(r.max_backoff, 1000ms);
  EXPECT_EQ(r.multiplier, 2.0);
  EXPECT_TRUE(c.retry->rules.For("shop", "/shop.Order/Get").idempotent);
  EXPECT_EQ(c.retry->rules.For("inventory", "/shop.Inventory/Get").max_attempts, 4);
  ASSERT_TRUE(c.retry->budget);
  EXPECT_EQ(c.retry->budget->ratio, 0.1);
  EXPECT_EQ(c.retry->budget->min_retries_per_second, 5);
  EXPECT_EQ(c.retry->budget->window, 5000ms);
  EXPECT_EQ(c.retry->budget->buckets, 5);

  ASSERT_TRUE(c.breaker);
  const BreakerOptions& b = c.breaker->defaults();
  EXPECT_EQ(b.kind, BreakerKind::kHystrix);
  EXPECT_EQ(b.failure_codes, (CodeSet{StatusCode::kUnavailable, StatusCode::kInternal}));
  EXPECT_EQ(b.hystrix.window, 2000ms);
  EXPECT_EQ(b.hystrix.buckets, 4);
  EXPECT_EQ(b.hystrix.request_volume_threshold, 5);
  EXPECT_EQ(b.hystrix.error_threshold_percent, 40);
  EXPECT_EQ(b.hystrix.sleep_window, 700ms);
  EXPECT_EQ(b.hystrix.half_open_probes, 2);
  const BreakerOptions& charge = c.breaker->For("payment", "/shop.Payment/Charge");
  EXPECT_EQ(charge.kind, BreakerKind::kSre);
  EXPECT_EQ(charge.sre.window, 3000ms);
  EXPECT_EQ(charge.sre.buckets, 6);
  EXPECT_EQ(charge.sre.k, 1.5);
  EXPECT_EQ(charge.sre.min_requests, 4);
  EXPECT_EQ(charge.hystrix.sleep_window, 700ms);  // the rest comes from the default

  ASSERT_TRUE(c.endpoint_breaker);
  EXPECT_EQ(c.endpoint_breaker->defaults().kind, BreakerKind::kSre);
  EXPECT_EQ(c.endpoint_breaker->For("payment", "").kind, BreakerKind::kHystrix);

  ASSERT_TRUE(c.outlier);
  const OutlierOptions& o = c.outlier->defaults();
  EXPECT_EQ(o.consecutive_failures, 3);
  EXPECT_EQ(o.failure_codes, CodeSet{StatusCode::kUnavailable});
  EXPECT_EQ(o.latency_factor, 0);
  EXPECT_EQ(o.interval, 500ms);
  EXPECT_EQ(o.latency_min_requests, 2);
  EXPECT_EQ(o.latency_min_hosts, 2);
  EXPECT_EQ(o.base_ejection_time, 100ms);
  EXPECT_EQ(o.max_ejection_time, 1000ms);
  EXPECT_EQ(o.max_ejection_percent, 50);

  const ServerGovernance& s = parsed->server;
  ASSERT_TRUE(s.rate_limit);
  ASSERT_EQ(s.rate_limit->size(), 4u);
  EXPECT_EQ(
      (*s.rate_limit)[0],
      (RateLimitRule{.method = "*", .by = LimitBy::kIp, .limiter = TokenBucketOptions{50, 100}}));
  EXPECT_EQ((*s.rate_limit)[1], (RateLimitRule{.method = "/shop.Order/Create",
                                               .by = LimitBy::kCaller,
                                               .caller_key = "x-user-id",
                                               .per_method = true,
                                               .limiter = SlidingWindowOptions{10, 1s},
                                               .max_keys = 100,
                                               .idle_timeout = 60s}));
  EXPECT_EQ((*s.rate_limit)[2], (RateLimitRule{.method = "/shop.Report/*",
                                               .by = LimitBy::kAll,
                                               .limiter = LeakyBucketOptions{5, 2}}));
  EXPECT_EQ((*s.rate_limit)[3].by, LimitBy::kAll);
  ASSERT_EQ(s.redis_limits.size(), 1u);
  const RedisLimiterOptions& redis = s.redis_limits.at(3);
  EXPECT_EQ(redis.url, "redis://10.0.0.5:6379?db=2");
  EXPECT_EQ(redis.key, "orders");
  EXPECT_EQ(redis.rate, 1000);
  EXPECT_EQ(redis.burst, 200);
  EXPECT_EQ(redis.expected_processes, 4);
  EXPECT_EQ(redis.fallback_rate, 200);
  EXPECT_EQ(redis.lease_period, 50ms);
  EXPECT_EQ(redis.max_lease, 100);
  EXPECT_EQ(redis.reconnect_min, 10ms);
  EXPECT_EQ(redis.reconnect_max, 500ms);
  ASSERT_TRUE(s.bulkhead);
  ASSERT_EQ(s.bulkhead->size(), 2u);
  EXPECT_EQ((*s.bulkhead)[0],
            (BulkheadRule{.method = "/shop.Report/Build", .bulkhead = {4, 20ms, 8}}));
  EXPECT_EQ((*s.bulkhead)[1], (BulkheadRule{.method = "*", .bulkhead = {.max_concurrent = 256}}));
  ASSERT_TRUE(s.shedding);
  EXPECT_EQ(s.shedding->shedder.cpu_threshold, 0.8);
  EXPECT_EQ(s.shedding->shedder.window, 2000ms);
  EXPECT_EQ(s.shedding->shedder.buckets, 20);
  EXPECT_EQ(s.shedding->shedder.cool_off, 500ms);
  EXPECT_THAT(s.shedding->exempt,
              ::testing::ElementsAre("/grpc.health.v1.Health/*", "/shop.Ping/*"));
}

// The example at the top of docs/governance.md, verbatim.
constexpr char kDocsExample[] = R"(
governance:
  client:                                   # calls this service makes
    selector: p2c_ewma                      # load balancing of every service ...
    zone: eu-1                              # prefer nodes in my zone
    services:
      inventory:
        selector: "consistent_hash?key=x-user-id"   # ... or of one service
        versions: {v1: 90, v2: 10}                  # canary: 10% to v2
    retry:
      default: {max_attempts: 3, retryable_codes: [UNAVAILABLE], initial_backoff_ms: 25,
                max_backoff_ms: 1000, multiplier: 2}
      rules:
        /shop.Order/Get: {idempotent: true}         # this method may be repeated
        payment: {max_attempts: 1}                  # never retry calls to payment
      budget: {ratio: 0.2}                          # retries <= 20% of calls
    hedging:                                        # slow idempotent calls: a 2nd copy
      rules:
        catalog: {max_attempts: 2, delay_percentile: 95}   # after the method's p95
    breaker:                                        # per method, around the whole call
      default: {kind: hystrix, hystrix: {error_threshold_percent: 50, sleep_window_ms: 5000}}
      rules:
        /shop.Payment/Charge: {kind: sre}
    endpoint_breaker:                               # per node, around each attempt
      default: {hystrix: {request_volume_threshold: 10}}
    outlier:                                        # eject misbehaving nodes
      default: {consecutive_failures: 5, max_ejection_percent: 30}
  server:                                   # calls this service receives
    shedding: {cpu_threshold: 0.9}
    bulkhead:
      rules:
        - {method: /shop.Report/Build, max_concurrent: 4, max_wait_ms: 20}
    rate_limit:
      rules:
        - {method: "*", by: ip, token_bucket: {rate: 50, burst: 100}}
        - {method: /shop.Order/Create, by: caller, caller_key: x-user-id,
           sliding_window: {limit: 10, window_ms: 1000}}
)";

TEST(GovernanceRules, TheDocsExampleParses) {
  auto parsed = ParseGovernance(Yaml(kDocsExample));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->client.retry->rules.For("payment", "/shop.Payment/Charge").max_attempts, 1);
  EXPECT_TRUE(parsed->client.retry->rules.For("shop", "/shop.Order/Get").idempotent);
  EXPECT_EQ(parsed->client.hedging->For("catalog", "/shop.Catalog/Get").max_attempts, 2);
  EXPECT_EQ(parsed->server.rate_limit->size(), 2u);
}

TEST(GovernanceRules, AbsentSectionsAreNotInstalled) {
  auto none = ParseGovernance(config::Value());
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->client.retry || none->client.breaker || none->client.endpoint_breaker ||
               none->client.outlier || none->server.rate_limit || none->server.bulkhead ||
               none->server.shedding);
  // An empty section is present, with its policy's defaults.
  auto empty = ParseGovernance(Yaml("governance: {client: {retry: {}}}"));
  ASSERT_TRUE(empty.ok()) << empty.status();
  ASSERT_TRUE(empty->client.retry);
  EXPECT_EQ(empty->client.retry->rules.defaults().max_attempts, RetryOptions{}.max_attempts);
  EXPECT_TRUE(empty->client.retry->budget);
}

TEST(GovernanceRules, UnknownKeysNameTheirFullPathAndTheKnownKeys) {
  EXPECT_EQ(ParseError("governance: {client: {retry: {default: {max_atempts: 3}}}}").message(),
            "governance.client.retry.default.max_atempts: unknown key (known: max_attempts, "
            "retryable_codes, initial_backoff_ms, max_backoff_ms, multiplier, idempotent)");
  EXPECT_EQ(ParseError("governance: {clients: {}}").message(),
            "governance.clients: unknown key (known: client, server)");
  EXPECT_THAT(ParseError("governance: {client: {retry: {budjet: {}}}}").message(),
              HasSubstr("governance.client.retry.budjet: unknown key (known: default, rules, "
                        "budget)"));
  EXPECT_THAT(
      ParseError("governance: {client: {breaker: {rules: {\"/a.B/C\": {hystrix: {sleep: 1}}}}}}")
          .message(),
      HasSubstr("governance.client.breaker.rules.\"/a.B/C\".hystrix.sleep: unknown key"));
  EXPECT_THAT(ParseError("governance: {server: {rate_limit: {rules: [{method: '*', "
                         "token_bucket: {rate: 1, bust: 2}}]}}}")
                  .message(),
              HasSubstr("governance.server.rate_limit.rules.0.token_bucket.bust: unknown key "
                        "(known: rate, burst)"));
  EXPECT_THAT(ParseError("governance: {client: {services: {inventory: {selectr: x}}}}").message(),
              HasSubstr("governance.client.services.inventory.selectr: unknown key"));
}

TEST(GovernanceRules, BadValuesNameTheKeyAndWhatIsExpected) {
  EXPECT_EQ(ParseError("governance: {client: {retry: {default: {max_attempts: three}}}}").message(),
            "governance.client.retry.default.max_attempts: expected an integer >= 1, got "
            "\"three\"");
  EXPECT_EQ(ParseError("governance: {client: {retry: {default: {max_attempts: 0}}}}").message(),
            "governance.client.retry.default.max_attempts: expected an integer >= 1, got \"0\"");
  EXPECT_THAT(ParseError("governance: {client: {retry: {default: {retryable_codes: [UNAVAILABLE, "
                         "NOPE]}}}}")
                  .message(),
              HasSubstr("governance.client.retry.default.retryable_codes: unknown status code "
                        "\"NOPE\""));
  EXPECT_EQ(ParseError("governance: {client: {breaker: {default: {kind: fuse}}}}").message(),
            "governance.client.breaker.default.kind: expected hystrix or sre, got \"fuse\"");
  EXPECT_THAT(ParseError("governance: {client: {selector: fastest}}").message(),
              HasSubstr("governance.client.selector: "));
  EXPECT_THAT(ParseError("governance: {client: {services: {inv: {selector: "
                         "\"least_request?choice=2\"}}}}")
                  .message(),
              HasSubstr("governance.client.services.inv.selector: "));
  EXPECT_EQ(ParseError("governance: {client: {lanes: maybe}}").message(),
            "governance.client.lanes: expected true or false, got \"maybe\"");
  EXPECT_EQ(ParseError("governance: {server: {shedding: {cpu_threshold: 1.5}}}").message(),
            "governance.server.shedding.cpu_threshold: expected a number in [0, 1], got \"1.5\"");
  EXPECT_THAT(ParseError("governance: {server: {rate_limit: {rules: [{method: '*', by: user, "
                         "token_bucket: {rate: 1}}]}}}")
                  .message(),
              HasSubstr("governance.server.rate_limit.rules.0.by: expected method, caller, ip or "
                        "all, got \"user\""));
  EXPECT_THAT(ParseError("governance: {server: {rate_limit: {rules: [{method: '*'}]}}}").message(),
              HasSubstr("governance.server.rate_limit.rules.0: a rule needs a limiter"));
  EXPECT_THAT(ParseError("governance: {server: {rate_limit: {rules: [{token_bucket: {rate: 1}, "
                         "leaky_bucket: {rate: 1}}]}}}")
                  .message(),
              HasSubstr("one limiter per rule"));
  EXPECT_THAT(ParseError("governance: {server: {rate_limit: {rules: [{by: ip, redis: {key: k}}]}}}")
                  .message(),
              HasSubstr("governance.server.rate_limit.rules.0.redis: a global limit counts every "
                        "call together: only with by: all"));
  EXPECT_THAT(ParseError("governance: {server: {rate_limit: {rules: {method: x}}}}").message(),
              HasSubstr("governance.server.rate_limit.rules: expected a list of rules"));
  EXPECT_THAT(ParseError("governance: {client: {services: {inv: {versions: {v1: -3}}}}}").message(),
              HasSubstr("governance.client.services.inv.versions.v1: expected a weight"));
  // Per-node policies have no per-method rules.
  EXPECT_THAT(ParseError("governance: {client: {outlier: {rules: {\"/a.B/C\": {}}}}}").message(),
              HasSubstr("governance.client.outlier.rules.\"/a.B/C\": rules of a per-node "
                        "policy are per service"));
  // What the policy's own Validate() rejects is named under the section's path.
  EXPECT_THAT(ParseError("governance: {client: {breaker: {default: {hystrix: {sleep_window_ms: "
                         "0}}}}}")
                  .message(),
              HasSubstr("governance.client.breaker: default rule: "));
}

TEST(GovernanceRules, MethodRuleWinsOverServiceRuleWinsOverDefault) {
  auto parsed = ParseGovernance(Yaml(R"(
governance:
  client:
    retry:
      default: {max_attempts: 2, initial_backoff_ms: 10}
      rules:
        inventory: {max_attempts: 5}
        /shop.Inventory/Reserve: {max_attempts: 1}
)"));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const RetryRules& rules = parsed->client.retry->rules;
  EXPECT_EQ(rules.For("inventory", "/shop.Inventory/Reserve").max_attempts, 1);  // method
  EXPECT_EQ(rules.For("inventory", "/shop.Inventory/Get").max_attempts, 5);      // service
  EXPECT_EQ(rules.For("catalog", "/shop.Catalog/List").max_attempts, 2);         // default
  // An override names only what it changes; the rest is the default's.
  EXPECT_EQ(rules.For("inventory", "/shop.Inventory/Get").initial_backoff, 10ms);
  EXPECT_EQ(rules.For("inventory", "/shop.Inventory/Reserve").initial_backoff, 10ms);
}

TEST(GovernanceRules, DottedServiceNamesAndMethodPathsAreKeptWhole) {
  auto parsed = ParseGovernance(Yaml(R"(
governance:
  client:
    breaker:
      rules:
        shop.payment: {hystrix: {sleep_window_ms: 1}}
        "/shop.v1.Payment/Charge": {kind: sre}
)"));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const auto& overrides = parsed->client.breaker->overrides();
  ASSERT_EQ(overrides.size(), 2u);
  EXPECT_EQ(overrides.at("shop.payment").hystrix.sleep_window, 1ms);
  EXPECT_EQ(overrides.at("/shop.v1.Payment/Charge").kind, BreakerKind::kSre);
}

TEST(GovernanceRules, ValuesFromEnvAndFlagLayersMayBeStrings) {
  config::Value tree = config::Value::Map{
      {"client",
       config::Value::Map{
           {"retry", config::Value::Map{
                         {"default", config::Value::Map{{"max_attempts", "4"},
                                                        {"retryable_codes", "UNAVAILABLE,INTERNAL"},
                                                        {"idempotent", "true"}}}}}}}};
  auto parsed = ParseGovernance(tree);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->client.retry->rules.defaults().max_attempts, 4);
  EXPECT_EQ(parsed->client.retry->rules.defaults().retryable_codes,
            (CodeSet{StatusCode::kUnavailable, StatusCode::kInternal}));
  EXPECT_TRUE(parsed->client.retry->rules.defaults().idempotent);
}

TEST(GovernanceRules, RetryBudgetCanBeTurnedOff) {
  auto parsed = ParseGovernance(Yaml("governance: {client: {retry: {budget: {enabled: false}}}}"));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_FALSE(parsed->client.retry->budget);
}

}  // namespace
}  // namespace micro::governance

// Governance metrics: each policy counts exactly what it did (breakers on a ManualClock,
// limiters, retries, ejections) into a private registry, and a Service configured with a
// `governance` section serves these series on GET /metrics, which promtool accepts.
#include <micro/governance/metrics.h>

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <functional>
#include <thread>

#include <micro/config/parse.h>
#include <micro/governance/bulkhead.h>
#include <micro/governance/endpoint_breaker.h>
#include <micro/governance/governance.h>
#include <micro/governance/method_breaker.h>
#include <micro/governance/rate_limit.h>
#include <micro/governance/retry_interceptor.h>
#include <micro/governance/shedder.h>
#include <micro/http/http.h>
#include <micro/service.h>

#include "echo.pb.h"
#include "support/echo_methods.h"
#include "support/process.h"
#include "support/wait.h"

namespace micro::governance {
namespace {

using namespace std::chrono_literals;

// The value of one sample ("name{labels}") in an exposition, -1 when absent.
double SampleValue(const std::string& exposition, const std::string& sample) {
  std::string text = "\n" + exposition;
  size_t at = text.find("\n" + sample + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + sample.size() + 2));
}

double Value(const metrics::Registry& registry, const std::string& sample) {
  return SampleValue(registry.Render(), sample);
}

// Client calls through one interceptor to a backend answering `code`; counts what is sent.
class ClientCalls {
 public:
  explicit ClientCalls(client::ClientInterceptor& interceptor) : interceptor_(interceptor) {}

  StatusCode Call(StatusCode code, const registry::Node* node = nullptr) {
    code_ = code;
    Context ctx;
    client::ClientCall call{.service = "inventory", .method = "/shop.Inventory/Get"};
    if (node != nullptr) {
      call.node = node;
      call.address = "10.0.0.1:9000";
    }
    std::vector<std::shared_ptr<client::ClientInterceptor>> none;
    client::ClientNext next(
        &none, 0,
        [](void* owner, Context&, client::ClientCall&, client::Done done) {
          auto* self = static_cast<ClientCalls*>(owner);
          ++self->sent_;
          done(self->backend_ ? self->backend_(self->sent_) : Status(self->code_, "attempt"));
        },
        this);
    StatusCode result = StatusCode::kUnknown;
    interceptor_.Intercept(ctx, call, next, [&](Status s) { result = s.code(); });
    return result;
  }

  int sent() const { return sent_; }
  // Answers by attempt number (1-based, across calls) instead of a fixed code.
  std::function<Status(int)> backend_;

 private:
  client::ClientInterceptor& interceptor_;
  StatusCode code_ = StatusCode::kOk;
  int sent_ = 0;
};

BreakerOptions OpensAfterFour() {
  BreakerOptions o;
  o.kind = BreakerKind::kHystrix;
  o.hystrix.request_volume_threshold = 4;
  o.hystrix.error_threshold_percent = 50;
  o.hystrix.sleep_window = 1000ms;
  return o;
}

TEST(GovernanceMetrics, MethodBreakerStateTransitionsAndRejections) {
  metrics::Registry registry;
  auto gm = GovernanceMetrics::Create(registry);
  ASSERT_TRUE(gm.ok()) << gm.status();
  ManualClock clock;
  auto breakers =
      std::make_shared<MethodBreakerInterceptor>(BreakerRules(OpensAfterFour()), nullptr, clock);
  breakers->SetMetrics(*gm);
  uint64_t collector = (*gm)->AddStateCollector(breakers.get(), nullptr, nullptr);
  ClientCalls calls(*breakers);

  const std::string labels = "{service=\"shop.Inventory\",method=\"Get\"";
  const std::string state = "micro_breaker_state" + labels + ",state=";
  const std::string to = "micro_breaker_transitions_total" + labels + ",to=";
  const std::string rejected = "micro_breaker_rejections_total" + labels + "}";

  ASSERT_EQ(calls.Call(StatusCode::kOk), StatusCode::kOk);
  // The breaker exists: closed, and its counters read 0 before any event.
  EXPECT_EQ(Value(registry, state + "\"closed\"}"), 1);
  EXPECT_EQ(Value(registry, state + "\"open\"}"), 0);
  EXPECT_EQ(Value(registry, state + "\"half_open\"}"), 0);
  EXPECT_EQ(Value(registry, to + "\"open\"}"), 0);
  EXPECT_EQ(Value(registry, rejected), 0);

  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(calls.Call(StatusCode::kUnavailable), StatusCode::kUnavailable);
  ASSERT_EQ(breakers->StateOf("inventory", "/shop.Inventory/Get"), BreakerState::kOpen);
  EXPECT_EQ(Value(registry, state + "\"open\"}"), 1);
  EXPECT_EQ(Value(registry, state + "\"closed\"}"), 0);
  EXPECT_EQ(Value(registry, to + "\"open\"}"), 1);

  // Open: refused without being sent, each one counted.
  const int sent = calls.sent();
  for (int i = 0; i < 5; ++i) EXPECT_EQ(calls.Call(StatusCode::kOk), StatusCode::kUnavailable);
  EXPECT_EQ(calls.sent(), sent);
  EXPECT_EQ(Value(registry, rejected), 5);

  // After the sleep window a probe goes through, succeeds, and the breaker closes.
  clock.Advance(1001ms);
  EXPECT_EQ(calls.Call(StatusCode::kOk), StatusCode::kOk);
  EXPECT_EQ(Value(registry, state + "\"closed\"}"), 1);
  EXPECT_EQ(Value(registry, state + "\"open\"}"), 0);
  EXPECT_EQ(Value(registry, to + "\"half_open\"}"), 1);
  EXPECT_EQ(Value(registry, to + "\"closed\"}"), 1);
  EXPECT_EQ(Value(registry, to + "\"open\"}"), 1);
  EXPECT_EQ(Value(registry, rejected), 5);
  registry.RemoveCollector(collector);
}

TEST(GovernanceMetrics, EndpointBreakerStateAndRejectionsByNode) {
  metrics::Registry registry;
  auto gm = GovernanceMetrics::Create(registry);
  ASSERT_TRUE(gm.ok()) << gm.status();
  ManualClock clock;
  auto endpoints =
      std::make_shared<EndpointBreakers>(BreakerRules(OpensAfterFour()), nullptr, clock);
  endpoints->SetMetrics(*gm);
  uint64_t collector = (*gm)->AddStateCollector(nullptr, endpoints.get(), nullptr);
  ClientCalls calls(*endpoints);
  registry::Node node{.id = "inventory-1", .host = "10.0.0.1", .ports = {{"grpc", 9000}}};

  for (int i = 0; i < 4; ++i) calls.Call(StatusCode::kUnavailable, &node);
  for (int i = 0; i < 2; ++i)
    EXPECT_EQ(calls.Call(StatusCode::kOk, &node), StatusCode::kUnavailable);
  const std::string labels = "{service=\"inventory\",node=\"inventory-1\"";
  EXPECT_EQ(Value(registry, "micro_endpoint_breaker_state" + labels + ",state=\"open\"}"), 1);
  EXPECT_EQ(Value(registry, "micro_endpoint_breaker_state" + labels + ",state=\"closed\"}"), 0);
  EXPECT_EQ(Value(registry, "micro_endpoint_breaker_transitions_total" + labels + ",to=\"open\"}"),
            1);
  EXPECT_EQ(Value(registry, "micro_endpoint_breaker_rejections_total" + labels + "}"), 2);
  // Method breakers are not in the picture.
  EXPECT_EQ(registry.Render().find("micro_breaker_state{"), std::string::npos);
  registry.RemoveCollector(collector);
}

// Runs calls of one method through a server interceptor; the handler may act mid-call.
class ServerCalls {
 public:
  explicit ServerCalls(std::shared_ptr<server::Interceptor> interceptor) {
    chain_.Add(std::move(interceptor));
    chain_.Add(std::make_shared<Handler>(this));
  }
  StatusCode Call() {
    Context ctx;
    return chain_.Run(ctx, server::CallInfo{.method = method_, .transport = "grpc"}).code();
  }
  std::function<void()> during;  // runs inside the handler

 private:
  struct Handler : server::Interceptor {
    explicit Handler(ServerCalls* o) : owner(o) {}
    Status Intercept(Context&, const server::CallInfo&, server::Next) override {
      if (auto fn = std::exchange(owner->during, nullptr)) fn();
      return {};
    }
    ServerCalls* owner;
  };
  server::Method method_{.service = "t.Svc", .name = "Get"};
  server::Chain chain_;
};

TEST(GovernanceMetrics, RateLimitRejectionsCountedExactly) {
  metrics::Registry registry;
  auto gm = GovernanceMetrics::Create(registry);
  ASSERT_TRUE(gm.ok()) << gm.status();
  ManualClock clock;
  auto limits = RateLimitInterceptor::Create(
      {{.method = "*", .by = LimitBy::kAll, .limiter = TokenBucketOptions{.rate = 1, .burst = 3}}},
      clock);
  ASSERT_TRUE(limits.ok()) << limits.status();
  (*limits)->SetMetrics(*gm);
  ServerCalls calls(*limits);
  const std::string rejected =
      "micro_limiter_rejections_total{service=\"t.Svc\",method=\"Get\",limiter=\"rate_limit\"}";

  int refused = 0;
  for (int i = 0; i < 10; ++i) refused += calls.Call() == StatusCode::kResourceExhausted;
  EXPECT_EQ(refused, 7);
  EXPECT_EQ(Value(registry, rejected), 7);
  clock.Advance(1s);  // one token back
  EXPECT_EQ(calls.Call(), StatusCode::kOk);
  EXPECT_EQ(calls.Call(), StatusCode::kResourceExhausted);
  EXPECT_EQ(Value(registry, rejected), 8);
}

TEST(GovernanceMetrics, BulkheadRejectionsLabelTheirPolicy) {
  metrics::Registry registry;
  auto gm = GovernanceMetrics::Create(registry);
  ASSERT_TRUE(gm.ok()) << gm.status();
  auto bulkhead = BulkheadInterceptor::Create({{.method = "*", .bulkhead = {.max_concurrent = 1}}});
  ASSERT_TRUE(bulkhead.ok()) << bulkhead.status();
  (*bulkhead)->SetMetrics(*gm);
  ServerCalls calls(*bulkhead);
  StatusCode nested = StatusCode::kOk;
  calls.during = [&] { nested = calls.Call(); };  // a second call while the first runs
  EXPECT_EQ(calls.Call(), StatusCode::kOk);
  EXPECT_EQ(nested, StatusCode::kResourceExhausted);
  const std::string labels = "{service=\"t.Svc\",method=\"Get\",limiter=";
  EXPECT_EQ(Value(registry, "micro_limiter_rejections_total" + labels + "\"bulkhead\"}"), 1);
  EXPECT_EQ(Value(registry, "micro_limiter_rejections_total" + labels + "\"rate_limit\"}"), -1);
}

struct BusyCpu : CpuSource {
  double Usage() const override { return 1.0; }
};

TEST(GovernanceMetrics, ShedderRejectionsLabelTheirPolicy) {
  metrics::Registry registry;
  auto gm = GovernanceMetrics::Create(registry);
  ASSERT_TRUE(gm.ok()) << gm.status();
  BusyCpu cpu;
  ManualClock clock;
  auto shedder = ShedderInterceptor::Create({}, cpu, clock);
  ASSERT_TRUE(shedder.ok()) << shedder.status();
  (*shedder)->SetMetrics(*gm);
  ServerCalls calls(*shedder);
  // The CPU is busy: calls nest until more are in flight than the shedder's estimate
  // allows, and the next one is shed (the calls around it then finish).
  int depth = 0;
  int shed = 0;
  std::function<void()> nest = [&] {
    if (++depth > 1000) return;
    calls.during = nest;
    shed += calls.Call() == StatusCode::kResourceExhausted;
  };
  calls.during = nest;
  EXPECT_EQ(calls.Call(), StatusCode::kOk);
  calls.during = nullptr;
  ASSERT_EQ(shed, 1);
  EXPECT_EQ(Value(registry,
                  "micro_limiter_rejections_total{service=\"t.Svc\",method=\"Get\","
                  "limiter=\"shedder\"}"),
            1);
}

// Rejections of many methods from several threads while scrapes run: every one counted
// (the per-method cache publishes new methods under readers; TSan checks it).
TEST(GovernanceMetrics, ConcurrentRejectionsAndScrapesCountExactly) {
  metrics::Registry registry;
  auto gm = GovernanceMetrics::Create(registry);
  ASSERT_TRUE(gm.ok()) << gm.status();
  ManualClock clock;
  auto endpoints =
      std::make_shared<EndpointBreakers>(BreakerRules(OpensAfterFour()), nullptr, clock);
  endpoints->SetMetrics(*gm);
  uint64_t collector = (*gm)->AddStateCollector(nullptr, endpoints.get(), nullptr);
  constexpr int kThreads = 4, kMethods = 20, kRounds = 60;  // kRounds % kMethods == 0
  std::vector<server::Method> methods;
  for (int m = 0; m < kMethods; ++m) {
    methods.push_back({.service = "t.Svc", .name = "M" + std::to_string(m)});
  }
  std::atomic<bool> done{false};
  std::thread scraper([&] {
    while (!done.load()) (void)registry.Render();
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      ClientCalls calls(*endpoints);
      registry::Node node{.id = "node-" + std::to_string(t), .host = "10.0.0.1"};
      for (int r = 0; r < kRounds; ++r) {
        for (const auto& m : methods) (*gm)->Rejected(LimitPolicy::kRateLimit, m);
        (*gm)->Retried("/t.Svc/M" + std::to_string(r % kMethods));
        calls.Call(StatusCode::kUnavailable, &node);  // opens after 4, then rejects
      }
    });
  }
  for (auto& t : threads) t.join();
  done = true;
  scraper.join();
  std::string text = registry.Render();
  for (int m = 0; m < kMethods; ++m) {
    EXPECT_EQ(SampleValue(text, "micro_limiter_rejections_total{service=\"t.Svc\",method=\"M" +
                                    std::to_string(m) + "\",limiter=\"rate_limit\"}"),
              kThreads * kRounds);
    EXPECT_EQ(SampleValue(text, "micro_retries_total{service=\"t.Svc\",method=\"M" +
                                    std::to_string(m) + "\"}"),
              kThreads * kRounds / kMethods);
  }
  for (int t = 0; t < kThreads; ++t) {
    const std::string labels = "{service=\"inventory\",node=\"node-" + std::to_string(t) + "\"";
    EXPECT_EQ(SampleValue(text, "micro_endpoint_breaker_rejections_total" + labels + "}"),
              kRounds - 4);
    EXPECT_EQ(SampleValue(text, "micro_endpoint_breaker_state" + labels + ",state=\"open\"}"), 1);
  }
  registry.RemoveCollector(collector);
}

RetryEnv NoSleep() {
  return {.sleep = [](Context&, std::chrono::nanoseconds) {}};
}

TEST(GovernanceMetrics, RetriesCountedExactly) {
  metrics::Registry registry;
  auto gm = GovernanceMetrics::Create(registry);
  ASSERT_TRUE(gm.ok()) << gm.status();
  auto retry = std::make_shared<RetryInterceptor>(
      RetryRules({.max_attempts = 5, .initial_backoff = 1ms, .idempotent = true}), std::nullopt,
      NoSleep());
  retry->SetMetrics(*gm);
  ClientCalls calls(*retry);
  // The backend fails its first 3 attempts, then answers OK.
  calls.backend_ = [](int attempt) {
    return attempt <= 3 ? Status::Unavailable("flaky") : Status::Ok();
  };
  EXPECT_EQ(calls.Call(StatusCode::kOk), StatusCode::kOk);
  EXPECT_EQ(calls.sent(), 4);
  const std::string labels = "{service=\"shop.Inventory\",method=\"Get\"}";
  EXPECT_EQ(Value(registry, "micro_retries_total" + labels), 3);
  EXPECT_EQ(Value(registry, "micro_retry_budget_exhausted_total" + labels), 0);
  EXPECT_EQ(retry->stats().retries, 3u);
}

TEST(GovernanceMetrics, RetryBudgetRefusalsCounted) {
  metrics::Registry registry;
  auto gm = GovernanceMetrics::Create(registry);
  ASSERT_TRUE(gm.ok()) << gm.status();
  ManualClock clock;
  RetryEnv env = NoSleep();
  env.clock = &clock;
  // No retry is ever affordable: every retryable failure is a budget refusal.
  auto retry = std::make_shared<RetryInterceptor>(
      RetryRules({.max_attempts = 3, .initial_backoff = 1ms, .idempotent = true}),
      RetryBudgetOptions{.ratio = 0, .min_retries_per_second = 0}, env);
  retry->SetMetrics(*gm);
  ClientCalls calls(*retry);
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(calls.Call(StatusCode::kUnavailable), StatusCode::kUnavailable);
  EXPECT_EQ(calls.sent(), 4);
  const std::string labels = "{service=\"shop.Inventory\",method=\"Get\"}";
  EXPECT_EQ(Value(registry, "micro_retry_budget_exhausted_total" + labels), 4);
  EXPECT_EQ(Value(registry, "micro_retries_total" + labels), 0);
}

config::Value Yaml(const std::string& text) {
  auto doc = config::ParseDocument(text, config::Format::kYaml);
  EXPECT_TRUE(doc.ok()) << doc.status();
  const config::Value* g = doc->Find("governance");
  return g ? *g : config::Value();
}

TEST(GovernanceMetrics, GovernanceWiresEveryPolicyAndEjections) {
  metrics::Registry registry;
  auto g = Governance::Create(Yaml(R"(
governance:
  client:
    retry: {}
    breaker: {}
    endpoint_breaker: {}
    outlier: {default: {consecutive_failures: 2, max_ejection_percent: 50}}
  server: {rate_limit: {}}
)"),
                              "round_robin", &registry);
  ASSERT_TRUE(g.ok()) << g.status();
  ASSERT_NE((*g)->metrics(), nullptr);
  OutlierDetector& detector = (*g)->outlier()->detector();
  detector.Observe("inventory", "n2", Status::Ok(), 1ms);
  detector.Observe("inventory", "n1", Status::Unavailable("down"), 1ms);
  detector.Observe("inventory", "n1", Status::Unavailable("down"), 1ms);
  ASSERT_TRUE(detector.IsEjected("inventory", "n1"));
  EXPECT_EQ(Value(registry,
                  "micro_outlier_ejections_total{service=\"inventory\",reason="
                  "\"consecutive_failures\"}"),
            1);
  EXPECT_EQ(Value(registry, "micro_outlier_ejected{service=\"inventory\"}"), 1);

  // A breaker appears with its method's first call.
  ClientCalls calls(*(*g)->method_breakers());
  EXPECT_EQ(calls.Call(StatusCode::kOk), StatusCode::kOk);
  EXPECT_EQ(
      Value(registry,
            "micro_breaker_state{service=\"shop.Inventory\",method=\"Get\",state=\"closed\"}"),
      1);
  // Every family is registered, so a dashboard finds them before the first event.
  std::string text = registry.Render();
  for (const char* family :
       {"micro_breaker_transitions_total", "micro_breaker_rejections_total",
        "micro_endpoint_breaker_transitions_total", "micro_endpoint_breaker_rejections_total",
        "micro_endpoint_breaker_state", "micro_limiter_rejections_total", "micro_retries_total",
        "micro_retry_budget_exhausted_total"}) {
    EXPECT_NE(text.find(std::string("# TYPE ") + family + " "), std::string::npos) << family;
  }
}

TEST(GovernanceMetrics, NoSectionOrNoRegistryRegistersNothing) {
  metrics::Registry registry;
  auto none = Governance::Create(config::Value(), "round_robin", &registry);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ((*none)->metrics(), nullptr);
  auto off =
      Governance::Create(Yaml("governance: {server: {rate_limit: {}}}"), "round_robin", nullptr);
  ASSERT_TRUE(off.ok());
  EXPECT_EQ((*off)->metrics(), nullptr);
  EXPECT_EQ(registry.Render(), "");
}

// --- a Service: GET /metrics ------------------------------------------------------------

// Fails the next `fail` calls with UNAVAILABLE, after the governance interceptors.
struct Flaky : server::Interceptor {
  std::atomic<int> fail{0};
  Status Intercept(Context& ctx, const server::CallInfo&, server::Next next) override {
    if (fail.fetch_sub(1) > 0) return Status::Unavailable("flaky");
    return next(ctx);
  }
};

StatusCode CallEcho(Service& service, const std::string& tenant) {
  micro::test::EchoRequest req;
  req.set_message("hi");
  micro::test::EchoResponse resp;
  Context ctx = Context::WithTimeout(5s);
  ctx.metadata().Set("x-tenant", tenant);
  return service.Client().Call(ctx, "govmetrics", testing::kEchoUnary, req, &resp).code();
}

constexpr char kServiceYaml[] = R"(
governance:
  client:
    retry:
      default: {max_attempts: 5, initial_backoff_ms: 1, max_backoff_ms: 2, idempotent: true}
      budget: {ratio: 1, min_retries_per_second: 1000}
    breaker: {default: {hystrix: {request_volume_threshold: 1000}}}
    endpoint_breaker: {default: {hystrix: {request_volume_threshold: 1000}}}
    outlier: {default: {consecutive_failures: 1000}}
  server:
    rate_limit:
      rules: [{method: "*", by: caller, caller_key: x-tenant,
               token_bucket: {rate: 0.001, burst: 4}}]
)";

// Options of a service named "govmetrics" with kServiceYaml as its --config file in `dir`.
Result<ServiceOptions> ServiceOptionsIn(const std::string& dir,
                                        std::vector<std::string> extra = {}) {
  std::string file = dir + "/govmetrics.yaml";
  std::ofstream(file) << kServiceYaml;
  std::vector<std::string> args = {
      "svc", "--config", file, "--registry", "memory:///" + dir, "--log.level", "error"};
  args.insert(args.end(), extra.begin(), extra.end());
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  ServiceOptions defaults{.name = "govmetrics"};
  defaults.handle_signals = false;
  defaults.drain_grace = 0ms;
  return ServiceOptions::FromArgs(static_cast<int>(argv.size()), argv.data(), defaults);
}

TEST(GovernanceMetricsService, MetricsEndpointServesGovernanceSeries) {
  std::string dir = testing::TempDir();
  auto options = ServiceOptionsIn(dir);
  ASSERT_TRUE(options.ok()) << options.status();
  Service service(*options);
  ASSERT_TRUE(testing::AddEchoMethods(service.server()).ok());
  auto flaky = std::make_shared<Flaky>();
  service.server().Use(flaky);
  ASSERT_TRUE(service.Start().ok());

  auto scrape = [&] {
    http::HttpClient http;
    auto r = http.Get("127.0.0.1:" + std::to_string(service.port("http")), "/metrics", 5s);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->body : std::string();
  };
  // Counts are process-wide (DefaultRegistry): measure what this test adds.
  const std::string echo = "{service=\"micro.test.Echo\",method=\"Unary\"";
  const std::string retries = "micro_retries_total" + echo + "}";
  const std::string limited = "micro_limiter_rejections_total" + echo + ",limiter=\"rate_limit\"}";
  // A first call that gets through (gRPC's connect can be slow under TSan on a loaded
  // machine), so that the counted call's failed attempts are the server's three.
  int warmups = 0;
  ASSERT_TRUE(testing::WaitFor(
      [&] { return CallEcho(service, "warmup-" + std::to_string(++warmups)) == StatusCode::kOk; },
      20s));
  std::string before = scrape();
  double retries_before = std::max(0.0, SampleValue(before, retries));
  double limited_before = std::max(0.0, SampleValue(before, limited));

  flaky->fail = 3;  // three attempts fail, the fourth answers (each takes one of 4 tokens)
  ASSERT_EQ(CallEcho(service, "first"), StatusCode::kOk);
  // The "greedy" caller's bucket holds 4 calls; the fifth is refused (and not retried).
  for (int i = 0; i < 4; ++i) EXPECT_EQ(CallEcho(service, "greedy"), StatusCode::kOk);
  EXPECT_EQ(CallEcho(service, "greedy"), StatusCode::kResourceExhausted);

  std::string text = scrape();
  EXPECT_EQ(SampleValue(text, retries), retries_before + 3) << text;
  EXPECT_EQ(SampleValue(text, limited), limited_before + 1) << text;
  EXPECT_EQ(SampleValue(text, "micro_breaker_state" + echo + ",state=\"closed\"}"), 1) << text;
  EXPECT_EQ(SampleValue(text, "micro_breaker_rejections_total" + echo + "}"), 0) << text;
  EXPECT_EQ(SampleValue(text, "micro_endpoint_breaker_state{service=\"govmetrics\",node=\"" +
                                  service.node().id + "\",state=\"closed\"}"),
            1)
      << text;

  std::string out;
  std::ofstream(dir + "/metrics.txt") << text;
  int rc = testing::RunCommand("promtool check metrics < " + dir + "/metrics.txt 2>&1", &out);
  EXPECT_EQ(rc, 0) << out << "\n--- exposition ---\n" << text;
  service.Shutdown();
  testing::RunCommand("rm -rf " + dir);
}

TEST(GovernanceMetricsService, MetricsDisabledCountsNothing) {
  std::string dir = testing::TempDir();
  auto options = ServiceOptionsIn(dir, {"--metrics.enabled=false"});
  ASSERT_TRUE(options.ok()) << options.status();
  ASSERT_FALSE(options->metrics_enabled);
  Service service(*options);
  ASSERT_TRUE(testing::AddEchoMethods(service.server()).ok());
  ASSERT_TRUE(service.Start().ok());
  const std::string limited =
      "micro_limiter_rejections_total{service=\"micro.test.Echo\",method=\"Unary\","
      "limiter=\"rate_limit\"}";
  double before = SampleValue(metrics::DefaultRegistry().Render(), limited);
  for (int i = 0; i < 4; ++i) ASSERT_EQ(CallEcho(service, "quiet"), StatusCode::kOk);
  ASSERT_EQ(CallEcho(service, "quiet"), StatusCode::kResourceExhausted);
  EXPECT_EQ(SampleValue(metrics::DefaultRegistry().Render(), limited), before);
  service.Shutdown();
  testing::RunCommand("rm -rf " + dir);
}

}  // namespace
}  // namespace micro::governance

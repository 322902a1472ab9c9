// Request hedging (governance/hedging.h): when the hedge goes out (only after the delay,
// never for non-idempotent calls, to another node, within the budget), who wins and what
// happens to the losers — on a ManualClock with a hand-driven scheduler and attempts the
// test answers itself; then on a real client with one slow and one fast instance.
#include <micro/client/client.h>
#include <micro/governance/hedging.h>
#include <micro/service.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <future>
#include <map>
#include <thread>

#include "echo.pb.h"
#include "support/wait.h"

namespace micro::governance {
namespace {

using namespace std::chrono_literals;
using micro::test::EchoRequest;
using micro::test::EchoResponse;
using micro::testing::WaitFor;

// Runs hedge delays when the test moves its ManualClock and calls RunDue().
class ManualScheduler final : public HedgeScheduler {
 public:
  explicit ManualScheduler(ManualClock& clock) : clock_(clock) {}

  uint64_t After(std::chrono::nanoseconds delay, std::function<void()> task) override {
    std::lock_guard lock(mu_);
    uint64_t id = next_id_++;
    tasks_[id] = {clock_.Now() + delay, std::move(task)};
    return id;
  }
  void Cancel(uint64_t id) override {
    std::lock_guard lock(mu_);
    tasks_.erase(id);
  }

  // Runs the tasks that are due, on this thread.
  void RunDue() {
    for (;;) {
      std::function<void()> task;
      {
        std::lock_guard lock(mu_);
        auto it = std::find_if(tasks_.begin(), tasks_.end(),
                               [&](const auto& t) { return t.second.first <= clock_.Now(); });
        if (it == tasks_.end()) return;
        task = std::move(it->second.second);
        tasks_.erase(it);
      }
      task();
    }
  }
  void Advance(std::chrono::nanoseconds d) {
    clock_.Advance(d);
    RunDue();
  }
  size_t pending() const {
    std::lock_guard lock(mu_);
    return tasks_.size();
  }

 private:
  ManualClock& clock_;
  mutable std::mutex mu_;
  uint64_t next_id_ = 1;
  std::map<uint64_t, std::pair<Clock::time_point, std::function<void()>>> tasks_;
};

// The rest of a client's chain: picks the first node of n0, n1, n2 the call has not tried,
// and keeps the attempt pending until the test answers it. A cancelled attempt answers
// CANCELLED at once, as a transport does.
class Backend {
 public:
  struct Attempt {
    std::string node;
    int number = 0;
    EchoResponse* response = nullptr;
    client::Done done;
    bool answered = false;
    bool cancelled = false;
  };

  std::vector<std::shared_ptr<client::ClientInterceptor>> chain;
  // Runs at the end of sending attempt number `n` (1-based), before `next` returns.
  std::function<void(int n)> on_send;

  // Sends `call` through `chain`; `done` may run on any thread.
  void Start(Context& ctx, client::ClientCall& call, client::Done done) {
    client::ClientNext(&chain, 0, &Terminal, this)(ctx, call, std::move(done));
  }

  size_t sent() const {
    std::lock_guard lock(mu_);
    return attempts_.size();
  }
  std::string node(size_t i) const {
    std::lock_guard lock(mu_);
    return attempts_.at(i)->node;
  }
  int number(size_t i) const {
    std::lock_guard lock(mu_);
    return attempts_.at(i)->number;
  }
  bool cancelled(size_t i) const {
    std::lock_guard lock(mu_);
    return attempts_.at(i)->cancelled;
  }
  // False when the attempt had answered already (cancelled).
  bool Answer(size_t i, Status s, const std::string& message = "") {
    client::Done done;
    {
      std::lock_guard lock(mu_);
      Attempt& a = *attempts_.at(i);
      if (a.answered) return false;
      a.answered = true;
      if (s.ok()) a.response->set_message(message);
      done = std::move(a.done);
    }
    done(std::move(s));
    return true;
  }

 private:
  static void Terminal(void* owner, Context& ctx, client::ClientCall& call, client::Done done) {
    auto* self = static_cast<Backend*>(owner);
    static const std::string kNodes[] = {"n0", "n1", "n2"};
    std::string pick = kNodes[0];
    for (const auto& n : kNodes) {
      if (std::find(call.tried.begin(), call.tried.end(), n) == call.tried.end()) {
        pick = n;
        break;
      }
    }
    ++call.attempt;
    call.tried.push_back(pick);
    call.address = call.tried.back();
    size_t index;
    {
      std::lock_guard lock(self->mu_);
      auto a = std::make_unique<Attempt>();
      a->node = pick;
      a->number = call.attempt;
      a->response = static_cast<EchoResponse*>(call.response);
      a->done = std::move(done);
      index = self->attempts_.size();
      self->attempts_.push_back(std::move(a));
    }
    ctx.OnCancel([self, index] {
      {
        std::lock_guard lock(self->mu_);
        self->attempts_[index]->cancelled = true;
      }
      self->Answer(index, Status::Cancelled("attempt cancelled"));
    });
    if (self->on_send) self->on_send(call.attempt);
  }

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Attempt>> attempts_;
};

// One async call through the chain; `status` and `response` once done() ran.
struct AsyncCall {
  Context ctx;
  EchoRequest request;
  EchoResponse response;
  client::ClientCall call;
  std::mutex mu;
  int done_calls = 0;
  std::optional<Status> status;

  explicit AsyncCall(bool idempotent = true) {
    call.service = "svc";
    call.method = "/test.Svc/Get";
    call.request = &request;
    call.response = &response;
    call.idempotent = idempotent;
    call.async = true;
  }
  void Start(Backend& backend) {
    backend.Start(ctx, call, [this](Status s) {
      std::lock_guard lock(mu);
      ++done_calls;
      status = std::move(s);
    });
  }
  std::optional<Status> result() {
    std::lock_guard lock(mu);
    return status;
  }
  int dones() {
    std::lock_guard lock(mu);
    return done_calls;
  }
};

struct Fixture {
  ManualClock clock;
  ManualScheduler scheduler{clock};
  Backend backend;
  std::shared_ptr<HedgingInterceptor> hedging;

  explicit Fixture(HedgingOptions options,
                   std::optional<RetryBudgetOptions> budget = std::nullopt) {
    hedging = std::make_shared<HedgingInterceptor>(
        HedgingRules(options), budget, HedgingEnv{.clock = &clock, .scheduler = &scheduler});
    backend.chain.push_back(hedging);
  }
};

HedgingOptions TwoAttempts(std::chrono::milliseconds delay = 50ms) {
  return {.max_attempts = 2, .delay = delay};
}

TEST(Hedging, TheHedgeGoesOutOnlyAfterTheDelayAndToAnotherNode) {
  Fixture f(TwoAttempts());
  AsyncCall c;
  c.Start(f.backend);
  ASSERT_EQ(f.backend.sent(), 1u);
  EXPECT_EQ(f.backend.node(0), "n0");
  f.scheduler.Advance(49ms);
  EXPECT_EQ(f.backend.sent(), 1u) << "hedged before the delay";
  f.scheduler.Advance(1ms);
  ASSERT_EQ(f.backend.sent(), 2u);
  EXPECT_EQ(f.backend.node(1), "n1");
  EXPECT_EQ(f.backend.number(1), 2);
  EXPECT_FALSE(c.result().has_value());
  ASSERT_TRUE(f.backend.Answer(0, Status::Ok(), "first"));
  ASSERT_TRUE(c.result().has_value());
  EXPECT_TRUE(c.result()->ok());
  EXPECT_EQ(c.response.message(), "first");
  EXPECT_TRUE(f.backend.cancelled(1));
}

TEST(Hedging, FirstAnswerWinsAndTheLoserIsCancelledAndIgnored) {
  Fixture f(TwoAttempts());
  AsyncCall c;
  c.Start(f.backend);
  f.scheduler.Advance(50ms);
  ASSERT_EQ(f.backend.sent(), 2u);
  ASSERT_TRUE(f.backend.Answer(1, Status::Ok(), "hedge"));
  ASSERT_TRUE(c.result().has_value());
  EXPECT_TRUE(c.result()->ok()) << *c.result();
  EXPECT_EQ(c.response.message(), "hedge");
  EXPECT_TRUE(f.backend.cancelled(0));
  // The loser's late answer (here: its CANCELLED) changed nothing.
  EXPECT_FALSE(f.backend.Answer(0, Status::Ok(), "late"));
  EXPECT_EQ(c.dones(), 1);
  EXPECT_EQ(c.response.message(), "hedge");
  auto stats = f.hedging->stats();
  EXPECT_EQ(stats.calls, 1u);
  EXPECT_EQ(stats.hedges, 1u);
  EXPECT_EQ(stats.hedge_wins, 1u);
  EXPECT_EQ(stats.cancelled_losers, 1u);
}

TEST(Hedging, AWinnerWhileAHedgeIsBeingSentEndsTheCallOnlyAfterTheSend) {
  // The caller's call (and the client's bookkeeping `next` uses) must outlive every `next`
  // the hedging started: done waits for the hedge's send to return.
  Fixture f(TwoAttempts());
  std::mutex mu;
  std::condition_variable cv;
  bool in_send = false, release = false;
  f.backend.on_send = [&](int n) {
    if (n != 2) return;
    std::unique_lock lock(mu);
    in_send = true;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
  };
  AsyncCall c;
  c.Start(f.backend);
  std::thread timer([&] { f.scheduler.Advance(50ms); });
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, 10s, [&] { return in_send; }));
  }
  ASSERT_TRUE(f.backend.Answer(0, Status::Ok(), "first"));
  EXPECT_EQ(c.dones(), 0) << "the call ended while a hedge was still being sent";
  EXPECT_TRUE(f.backend.cancelled(1));  // the loser is cancelled at once, though
  {
    std::lock_guard lock(mu);
    release = true;
    cv.notify_all();
  }
  timer.join();
  EXPECT_EQ(c.dones(), 1);
  EXPECT_TRUE(c.result()->ok());
  EXPECT_EQ(c.response.message(), "first");
}

TEST(Hedging, AnAnswerBeforeTheDelaySendsNoHedge) {
  Fixture f(TwoAttempts());
  AsyncCall c;
  c.Start(f.backend);
  ASSERT_TRUE(f.backend.Answer(0, Status::Ok(), "quick"));
  EXPECT_EQ(c.dones(), 1);
  EXPECT_EQ(f.scheduler.pending(), 0u) << "the hedge timer outlived the call";
  f.scheduler.Advance(1s);
  EXPECT_EQ(f.backend.sent(), 1u);
  EXPECT_EQ(f.hedging->stats().hedges, 0u);
}

TEST(Hedging, NeverHedgesANonIdempotentCallUnlessItsRuleSaysSo) {
  {
    Fixture f(TwoAttempts());
    AsyncCall c(/*idempotent=*/false);
    c.Start(f.backend);
    f.scheduler.Advance(1s);
    EXPECT_EQ(f.backend.sent(), 1u);
    EXPECT_EQ(f.scheduler.pending(), 0u);
    EXPECT_EQ(f.hedging->stats().not_idempotent, 1u);
    // Passed straight through: the answer lands in the caller's response.
    ASSERT_TRUE(f.backend.Answer(0, Status::Ok(), "once"));
    EXPECT_EQ(c.response.message(), "once");
  }
  {
    HedgingOptions declared = TwoAttempts();
    declared.idempotent = true;
    Fixture f(declared);
    AsyncCall c(/*idempotent=*/false);
    c.Start(f.backend);
    f.scheduler.Advance(50ms);
    EXPECT_EQ(f.backend.sent(), 2u);
  }
}

TEST(Hedging, ACallToAnExplicitAddressIsNotHedged) {
  Fixture f(TwoAttempts());
  AsyncCall c;
  c.call.service = "";  // CallOptions::address: one node only
  c.Start(f.backend);
  f.scheduler.Advance(1s);
  EXPECT_EQ(f.backend.sent(), 1u);
  ASSERT_TRUE(f.backend.Answer(0, Status::Ok(), "direct"));
  EXPECT_EQ(c.response.message(), "direct");
}

TEST(Hedging, OnlyMethodsWhoseRuleIsOnAreHedged) {
  ManualClock clock;
  ManualScheduler scheduler(clock);
  Backend backend;
  backend.chain.push_back(std::make_shared<HedgingInterceptor>(
      HedgingRules({}, {{"/test.Svc/Get", TwoAttempts()}}), std::nullopt,
      HedgingEnv{.clock = &clock, .scheduler = &scheduler}));
  AsyncCall other;
  other.call.method = "/test.Svc/Put";
  other.Start(backend);
  scheduler.Advance(1s);
  EXPECT_EQ(backend.sent(), 1u);
  AsyncCall get;
  get.Start(backend);
  scheduler.Advance(50ms);
  EXPECT_EQ(backend.sent(), 3u);
}

TEST(Hedging, AtMostMaxAttemptsEachToANewNode) {
  Fixture f({.max_attempts = 3, .delay = 10ms});
  AsyncCall c;
  c.Start(f.backend);
  for (int i = 0; i < 10; ++i) f.scheduler.Advance(10ms);
  ASSERT_EQ(f.backend.sent(), 3u);
  EXPECT_EQ(f.backend.node(0), "n0");
  EXPECT_EQ(f.backend.node(1), "n1");
  EXPECT_EQ(f.backend.node(2), "n2");
  ASSERT_TRUE(f.backend.Answer(2, Status::Ok(), "third"));
  EXPECT_TRUE(f.backend.cancelled(0));
  EXPECT_TRUE(f.backend.cancelled(1));
  EXPECT_EQ(c.response.message(), "third");
  EXPECT_EQ(f.hedging->stats().cancelled_losers, 2u);
}

TEST(Hedging, ANonFatalAnswerSendsTheNextAttemptAtOnce) {
  Fixture f(TwoAttempts());
  AsyncCall c;
  c.Start(f.backend);
  ASSERT_TRUE(f.backend.Answer(0, Status::Unavailable("node down")));
  ASSERT_EQ(f.backend.sent(), 2u) << "waited for the delay after a non-fatal answer";
  EXPECT_EQ(f.backend.node(1), "n1");
  EXPECT_FALSE(c.result().has_value());
  ASSERT_TRUE(f.backend.Answer(1, Status::Ok(), "second"));
  EXPECT_TRUE(c.result()->ok());
  EXPECT_EQ(c.response.message(), "second");
}

TEST(Hedging, WhenEveryAttemptFailsNonFatallyTheCallerSeesTheLastAnswer) {
  Fixture f(TwoAttempts());
  AsyncCall c;
  c.Start(f.backend);
  f.scheduler.Advance(50ms);
  ASSERT_TRUE(f.backend.Answer(1, Status::Unavailable("second down")));
  EXPECT_FALSE(c.result().has_value()) << "gave up while attempt 1 was still running";
  ASSERT_TRUE(f.backend.Answer(0, Status::Unavailable("first down")));
  ASSERT_TRUE(c.result().has_value());
  EXPECT_EQ(c.result()->code(), StatusCode::kUnavailable);
  EXPECT_EQ(c.result()->message(), "first down");
  EXPECT_EQ(c.dones(), 1);
}

TEST(Hedging, AFatalAnswerWinsLikeASuccess) {
  Fixture f(TwoAttempts());
  AsyncCall c;
  c.Start(f.backend);
  f.scheduler.Advance(50ms);
  ASSERT_TRUE(f.backend.Answer(1, Status::NotFound("no such item")));
  ASSERT_TRUE(c.result().has_value());
  EXPECT_EQ(c.result()->code(), StatusCode::kNotFound);
  EXPECT_TRUE(f.backend.cancelled(0));
}

TEST(Hedging, TheBudgetStopsHedges) {
  // One retry in the whole window and no share of requests: the first call may hedge,
  // the second may not.
  Fixture f(
      TwoAttempts(),
      RetryBudgetOptions{.ratio = 0, .min_retries_per_second = 1, .window = 1000ms, .buckets = 10});
  AsyncCall first;
  first.Start(f.backend);
  f.scheduler.Advance(50ms);
  ASSERT_EQ(f.backend.sent(), 2u);
  ASSERT_TRUE(f.backend.Answer(1, Status::Ok(), "x"));
  AsyncCall second;
  second.Start(f.backend);
  f.scheduler.Advance(50ms);
  EXPECT_EQ(f.backend.sent(), 3u) << "the budget let a second hedge out";
  EXPECT_EQ(f.hedging->stats().budget_exhausted, 1u);
  EXPECT_EQ(f.hedging->stats().hedges, 1u);
  ASSERT_TRUE(f.backend.Answer(2, Status::Ok(), "slow but only"));
  EXPECT_TRUE(second.result()->ok());
  EXPECT_EQ(second.response.message(), "slow but only");
}

TEST(Hedging, ASharedBudgetCountsHedgesAsRetries) {
  ManualClock clock;
  ManualScheduler scheduler(clock);
  auto budget = std::make_shared<RetryBudget>(
      RetryBudgetOptions{.ratio = 0, .min_retries_per_second = 2, .window = 1000ms}, clock);
  ASSERT_TRUE(budget->TryRetry());  // a retry elsewhere took one of the two
  Backend backend;
  auto hedging = std::make_shared<HedgingInterceptor>(
      HedgingRules(TwoAttempts()), std::nullopt,
      HedgingEnv{.clock = &clock, .scheduler = &scheduler, .budget_for = [&](std::string_view) {
                   return budget;
                 }});
  backend.chain.push_back(hedging);
  AsyncCall a, b;
  a.Start(backend);
  b.Start(backend);
  scheduler.Advance(50ms);
  EXPECT_EQ(backend.sent(), 3u);  // two first attempts, one hedge
  EXPECT_EQ(budget->Available(), 0);
}

TEST(Hedging, NoHedgeOnceTheDeadlinePassedOrTheCallWasCancelled) {
  {
    Fixture f(TwoAttempts());
    AsyncCall c;
    c.ctx.SetDeadline(Context::Clock::now() - 1ms);
    c.Start(f.backend);
    EXPECT_EQ(f.scheduler.pending(), 0u);
    f.scheduler.Advance(1s);
    EXPECT_EQ(f.backend.sent(), 1u);
  }
  {
    Fixture f(TwoAttempts());
    AsyncCall c;
    c.Start(f.backend);
    c.ctx.Cancel();  // the attempt answers CANCELLED: that ends the call
    ASSERT_TRUE(c.result().has_value());
    EXPECT_EQ(c.result()->code(), StatusCode::kCancelled);
    f.scheduler.Advance(1s);
    EXPECT_EQ(f.backend.sent(), 1u);
    EXPECT_EQ(c.dones(), 1);
  }
}

TEST(Hedging, ABlockingCallHedgesWithoutBlockingTheHedge) {
  Fixture f(TwoAttempts());
  EchoRequest request;
  EchoResponse response;
  std::promise<Status> result;
  std::thread caller([&] {
    Context ctx;
    client::ClientCall call{.service = "svc",
                            .method = "/test.Svc/Get",
                            .request = &request,
                            .response = &response,
                            .idempotent = true};
    std::optional<Status> status;
    f.backend.Start(ctx, call, [&](Status s) { status = std::move(s); });
    // A blocking interceptor chain ends before Start returns.
    result.set_value(status.value_or(Status::Internal("done did not run before returning")));
  });
  ASSERT_TRUE(WaitFor([&] { return f.backend.sent() == 1; }));
  f.scheduler.Advance(50ms);
  ASSERT_EQ(f.backend.sent(), 2u);
  ASSERT_TRUE(f.backend.Answer(1, Status::Ok(), "hedged"));
  caller.join();
  Status s = result.get_future().get();
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(response.message(), "hedged");
  EXPECT_TRUE(f.backend.cancelled(0));
}

TEST(Hedging, APercentileDelayFollowsTheMethodsRecentLatencies) {
  Fixture f({.max_attempts = 2, .delay = 50ms, .delay_percentile = 90, .min_samples = 10});
  // Ten calls answered after 10 ms: from now on the hedge waits 10 ms, not 50.
  for (int i = 0; i < 10; ++i) {
    AsyncCall c;
    c.Start(f.backend);
    f.scheduler.Advance(10ms);
    ASSERT_TRUE(f.backend.Answer(f.backend.sent() - 1, Status::Ok(), "x"));
    ASSERT_EQ(c.dones(), 1);
  }
  ASSERT_EQ(f.backend.sent(), 10u);
  AsyncCall c;
  c.Start(f.backend);
  f.scheduler.Advance(9ms);
  EXPECT_EQ(f.backend.sent(), 11u);
  f.scheduler.Advance(1ms);
  EXPECT_EQ(f.backend.sent(), 12u);
  ASSERT_TRUE(f.backend.Answer(11, Status::Ok(), "x"));
}

TEST(Hedging, HotReloadedRulesApplyToNewCalls) {
  Fixture f(TwoAttempts());
  f.hedging->SetRules(HedgingRules({.max_attempts = 1}));
  AsyncCall c;
  c.Start(f.backend);
  f.scheduler.Advance(1s);
  EXPECT_EQ(f.backend.sent(), 1u);
}

TEST(HedgingOptions, ValidateNamesTheBadField) {
  EXPECT_TRUE(HedgingOptions{}.Validate().ok());
  EXPECT_NE(HedgingOptions{.max_attempts = 0}.Validate().message().find("max_attempts"),
            std::string::npos);
  EXPECT_NE(HedgingOptions{.delay = -1ms}.Validate().message().find("delay"), std::string::npos);
  EXPECT_NE(HedgingOptions{.delay_percentile = 100}.Validate().message().find("delay_percentile"),
            std::string::npos);
  HedgingOptions ok_code;
  ok_code.non_fatal_codes.Add(StatusCode::kOk);
  EXPECT_FALSE(ok_code.Validate().ok());
}

TEST(LatencyWindow, PercentileOfTheRecentSamples) {
  LatencyWindow w(95);
  for (int i = 1; i <= 100; ++i) {
    w.Record(std::chrono::milliseconds(i));
    EXPECT_EQ(w.Percentile(100).has_value(), i == 100) << i;
  }
  EXPECT_EQ(*w.Percentile(1), 95ms);
  // Old samples slide out: after a window of 1 ms answers, the percentile is 1 ms.
  for (size_t i = 0; i < LatencyWindow::kSize; ++i) w.Record(1ms);
  EXPECT_EQ(*w.Percentile(1), 1ms);
}

TEST(LatencyWindow, ConcurrentWritersAndReaders) {
  LatencyWindow w(50);
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    while (!stop) {
      if (auto p = w.Percentile(1)) {
        EXPECT_LE(*p, 8ms);
      }
    }
  });
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < 5000; ++i) w.Record(std::chrono::milliseconds(1 + (i + t) % 8));
    });
  }
  for (auto& t : writers) t.join();
  stop = true;
  reader.join();
  EXPECT_EQ(w.count(), 20000u);
}

// --- on a real client: two instances, one slow ---

constexpr char kMethod[] = "/micro.test.Echo/Unary";
constexpr std::chrono::milliseconds kSlow{1000};

struct Instance {
  std::chrono::milliseconds latency{0};
  std::atomic<int> calls{0};
  std::atomic<int> cancelled{0};
  std::unique_ptr<Service> service;
};

// Sleeps `d`, waking early when `ctx` is cancelled; true when it was.
bool SleepUnlessCancelled(Context& ctx, std::chrono::milliseconds d) {
  auto state = std::make_shared<std::pair<std::mutex, std::condition_variable>>();
  auto woken = std::make_shared<bool>(false);
  uint64_t h = ctx.OnCancel([state, woken] {
    std::lock_guard lock(state->first);
    *woken = true;
    state->second.notify_all();
  });
  {
    std::unique_lock lock(state->first);
    state->second.wait_for(lock, d, [&] { return *woken; });
  }
  ctx.RemoveOnCancel(h);
  return ctx.cancelled();
}

class SlowAndFast : public ::testing::Test {
 protected:
  void SetUp() override {
    for (auto latency : {kSlow, 0ms}) {
      auto inst = std::make_unique<Instance>();
      inst->latency = latency;
      ServiceOptions o{.name = "hedge-e2e", .registry = "memory:///hedge-e2e"};
      o.handle_signals = false;
      o.http_listen = "";
      o.drain_grace = 0ms;
      o.drain_timeout = 1s;
      inst->service = std::make_unique<Service>(o);
      Instance* raw = inst.get();
      server::Method m{.service = "micro.test.Echo",
                       .name = "Unary",
                       .request_prototype = &EchoRequest::default_instance(),
                       .response_prototype = &EchoResponse::default_instance()};
      m.unary = [raw](Context& ctx, const google::protobuf::Message& req,
                      google::protobuf::Message* resp) {
        raw->calls++;
        if (raw->latency.count() > 0 && SleepUnlessCancelled(ctx, raw->latency)) {
          raw->cancelled++;
          return Status::Cancelled("client went away");
        }
        static_cast<EchoResponse*>(resp)->set_message(
            static_cast<const EchoRequest&>(req).message());
        return Status::Ok();
      };
      ASSERT_TRUE(inst->service->server().AddMethod(m).ok());
      ASSERT_TRUE(inst->service->Start().ok());
      instances_.push_back(std::move(inst));
    }
  }
  void TearDown() override {
    for (auto& i : instances_) i->service->Shutdown();
  }

  // Latencies of `n` calls, sorted; `address`: all to that instance, unhedged.
  std::vector<std::chrono::nanoseconds> Run(client::Client& c, int n, bool async,
                                            const std::string& address = "") {
    std::vector<std::chrono::nanoseconds> out;
    for (int i = 0; i < n; ++i) {
      EchoRequest req;
      req.set_message("m" + std::to_string(i));
      EchoResponse resp;
      Context ctx = Context::WithTimeout(5s);
      auto start = std::chrono::steady_clock::now();
      Status s;
      if (async) {
        std::promise<Status> p;
        c.CallAsync(ctx, "hedge-e2e", kMethod, req, &resp, [&](Status st) { p.set_value(st); },
                    {.address = address, .idempotent = true});
        s = p.get_future().get();
      } else {
        s = c.Call(ctx, "hedge-e2e", kMethod, req, &resp, {.address = address, .idempotent = true});
      }
      out.push_back(std::chrono::steady_clock::now() - start);
      EXPECT_TRUE(s.ok()) << "call " << i << ": " << s;
      EXPECT_EQ(resp.message(), req.message());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  std::vector<std::unique_ptr<Instance>> instances_;
};

std::chrono::nanoseconds P99(const std::vector<std::chrono::nanoseconds>& sorted) {
  return sorted[(sorted.size() * 99 + 99) / 100 - 1];
}

TEST_F(SlowAndFast, HedgedP99IsTheFastInstancesLatency) {
  // Random picks send about half of the first attempts to the slow instance. A fixed
  // delay: with half the answers slow, a percentile delay would be the slow latency itself
  // (hedging cures a tail; a slow instance is outlier ejection's job).
  client::Client c(instances_[0]->service->registry(), {.selector = "random"});
  auto hedging = std::make_shared<HedgingInterceptor>(
      HedgingRules({.max_attempts = 2, .delay = 20ms}), RetryBudgetOptions{.ratio = 1.0});
  c.Use(hedging);
  Run(c, 4, /*async=*/false);  // connects to both instances
  const std::string fast = instances_[1]->service->node().Address("grpc");
  auto baseline = Run(c, 10, /*async=*/false, fast);
  auto blocking = Run(c, 40, /*async=*/false);
  auto async = Run(c, 40, /*async=*/true);
  // Unhedged, the p99 would be the slow instance's 1 s; hedged it is the fast one's plus
  // the hedge delay (20 ms), plus a loaded (or TSan) machine's slack.
  auto bound = std::min<std::chrono::nanoseconds>(baseline.back() + 20ms + 100ms, kSlow / 2);
  EXPECT_LT(P99(blocking), bound) << "blocking p99; fast instance alone: " << baseline.back();
  EXPECT_LT(P99(async), bound) << "async p99; fast instance alone: " << baseline.back();
  auto stats = hedging->stats();
  EXPECT_GE(stats.hedge_wins, 10u);
  EXPECT_EQ(stats.budget_exhausted, 0u);
  // The losers were cancelled: the slow instance saw its calls go away.
  EXPECT_TRUE(WaitFor([&] { return instances_[0]->cancelled >= 10; })) << instances_[0]->cancelled;
}

TEST_F(SlowAndFast, WithoutHedgingTheSlowInstanceSetsTheP99) {
  client::Client c(instances_[0]->service->registry());  // round-robin: every other call
  auto hedging = std::make_shared<HedgingInterceptor>(HedgingRules({.max_attempts = 1}));
  c.Use(hedging);
  auto latencies = Run(c, 4, /*async=*/false);
  EXPECT_GE(P99(latencies), kSlow);
}

}  // namespace
}  // namespace micro::governance

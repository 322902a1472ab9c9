// Request hedging: for idempotent calls, when the first attempt has not answered after a
// delay, send the same call to another node and take whichever answer comes first — the
// tail-latency cure of "The Tail at Scale" (Dean & Barroso), gRPC's hedgingPolicy, Envoy's
// hedge_on_per_try_timeout and Finagle's backup requests.
//
//   auto hedging = std::make_shared<micro::governance::HedgingInterceptor>(
//       micro::governance::HedgingRules(
//           {},  // default: off
//           {{"/shop.Catalog/Get", {.max_attempts = 2, .delay_percentile = 95}}}));
//   client.Use(hedging);
//   client.Call(ctx, "catalog", "/shop.Catalog/Get", req, &reply, {.idempotent = true});
//
// What one hedged call does:
//   - attempt 1 goes out at once; while no attempt has answered, attempt k+1 goes out
//     `delay` after attempt k, up to max_attempts, each to a node this call has not tried
//     (ClientCall::tried), each with its own child Context and its own response message;
//   - the first answer that is OK or "fatal" (not in non_fatal_codes) wins: its response is
//     swapped into the caller's, `done` runs once, and the other attempts are cancelled
//     (their late answers are dropped);
//   - a non-fatal answer (UNAVAILABLE by default) sends the next attempt at once, as a
//     retry would; when every attempt failed non-fatally the caller sees the last answer;
//   - each hedge withdraws one retry from the service's RetryBudget, like a retry, so
//     hedging cannot multiply the load on a slow service; no hedge is sent once the call's
//     Context is cancelled or past its deadline.
// Calls that are neither idempotent (CallOptions::idempotent) nor declared so by their
// rule (`idempotent: true`) pass straight through: sending them twice could apply them
// twice. So do calls to an explicit address (CallOptions::address): there is no other
// node to hedge to.
//
// `delay` is fixed, or (delay_percentile > 0) that percentile of the latencies of the
// method's recent winning attempts (LatencyWindow below), `delay` serving until
// min_samples answers were seen. A percentile cures a tail; when a whole node is slow,
// many answers are, and the percentile becomes the slow latency: use a fixed delay.
//
// Blocking and async calls alike send their attempts asynchronously (ClientCall::async
// on the attempts' copies), so hedges never wait behind a blocked thread: a blocking call
// waits on its own thread for the winner, an async call returns at once and its `done`
// runs on the thread of the winning answer. Waits use a runtime::Timer.
//
// Hedging repeats a call by itself; do not also retry it (retry_interceptor.h): a method
// is hedged or retried, never both (as in gRPC). Governance (governance.h) enforces this
// for the `governance.client.hedging` and `governance.client.retry` sections.
//
// Thread-safe; one per Client. Interceptors inside it must have sent an attempt by the
// time `next` returns (the attempt's request and the call's owner are the caller's, and
// the caller may be gone when a loser finishes).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include <micro/client/interceptor.h>
#include <micro/core/clock.h>
#include <micro/core/status.h>
#include <micro/governance/code_set.h>
#include <micro/governance/policy_rules.h>
#include <micro/governance/retry_budget.h>
#include <micro/runtime/timer.h>

namespace micro::governance {

struct HedgingOptions {
  // Attempts in all, the first one included; 1 turns hedging off.
  int max_attempts = 1;
  // Wait between one attempt and the next; with delay_percentile, until min_samples.
  std::chrono::milliseconds delay{50};
  // 0: `delay` is fixed. p in (0, 100): wait the p-th percentile of the method's recent
  // winning-attempt latencies (95: hedge the slowest 5%).
  double delay_percentile = 0;
  int min_samples = 20;
  // Answers after which the next attempt goes out at once instead of ending the call.
  CodeSet non_fatal_codes{StatusCode::kUnavailable};
  // Declares the method idempotent even when the caller did not.
  bool idempotent = false;

  bool enabled() const { return max_attempts > 1; }
  // INVALID_ARGUMENT naming the bad field.
  Status Validate() const;
};

using HedgingRules = PolicyRules<HedgingOptions>;

// The latencies of a method's last kSize answers, in microseconds, and a percentile of
// them. Record is lock-free (one atomic increment and one store); the percentile is
// recomputed (a copy and an nth_element of kSize values) on every record until the window
// is full, then every kRecomputeEvery records, and read with one load. Thread-safe.
class LatencyWindow {
 public:
  static constexpr size_t kSize = 256;
  static constexpr uint64_t kRecomputeEvery = 16;

  explicit LatencyWindow(double percentile) : percentile_(percentile) {}

  double percentile() const { return percentile_; }
  void Record(std::chrono::nanoseconds latency);
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  // The percentile over the window as of the last recompute; nullopt before
  // `min_samples` records.
  std::optional<std::chrono::nanoseconds> Percentile(int min_samples) const;

 private:
  void Recompute(uint64_t count);

  const double percentile_;
  std::array<std::atomic<uint32_t>, kSize> micros_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<int64_t> cached_ns_{-1};
};

// Runs a hedge's delay. The default uses runtime::Timer::Shared(); tests drive a fake one
// from a ManualClock. Task ids are never 0; After may run `task` before it returns.
class HedgeScheduler {
 public:
  virtual ~HedgeScheduler() = default;
  // 0 (task dropped) when it cannot schedule any more (shut down).
  virtual uint64_t After(std::chrono::nanoseconds delay, std::function<void()> task) = 0;
  virtual void Cancel(uint64_t id) = 0;
};

// The hedging interceptor's collaborators; each has a production default.
struct HedgingEnv {
  const Clock* clock = nullptr;         // latencies and budgets; null = Clock::Real()
  HedgeScheduler* scheduler = nullptr;  // hedge delays; null = runtime::Timer::Shared()
  // The budget the hedges of calls to `service` withdraw from (null: none); empty = one
  // RetryBudget per service with the interceptor's `budget` options. Governance passes
  // the retry interceptor's budgets, so retries and hedges share one per service.
  std::function<std::shared_ptr<RetryBudget>(std::string_view service)> budget_for;
};

class HedgingInterceptor : public client::ClientInterceptor {
 public:
  // What happened so far, for tests and metrics.
  struct Stats {
    uint64_t calls = 0;             // calls hedging applied to (idempotent, rule on)
    uint64_t hedges = 0;            // attempts after the first one sent
    uint64_t hedge_wins = 0;        // calls a hedge (not attempt 1) answered
    uint64_t budget_exhausted = 0;  // hedges the budget refused
    uint64_t not_idempotent = 0;    // calls passed through: neither call nor rule idempotent
    uint64_t cancelled_losers = 0;  // attempts cancelled because another one won
  };

  // `budget`: nullopt turns budgets off (only used when env.budget_for is empty).
  explicit HedgingInterceptor(HedgingRules rules = HedgingRules(),
                              std::optional<RetryBudgetOptions> budget = RetryBudgetOptions(),
                              HedgingEnv env = {});
  ~HedgingInterceptor() override;

  // Hot reload; calls in flight finish under the rules they started with. Latency windows
  // of methods whose percentile changed start afresh.
  void SetRules(HedgingRules rules);
  Stats stats() const;

  // client::ClientInterceptor
  void Intercept(Context& ctx, client::ClientCall& call, client::ClientNext next,
                 client::Done done) override;

 private:
  struct CallState;
  struct Counters;
  std::shared_ptr<LatencyWindow> WindowFor(std::string_view method, double percentile);
  std::shared_ptr<RetryBudget> BudgetFor(std::string_view service);

  const Clock& clock_;
  HedgeScheduler& scheduler_;
  std::function<std::shared_ptr<RetryBudget>(std::string_view)> budget_for_;
  std::optional<RetryBudgetOptions> budget_options_;

  mutable std::mutex rules_mu_;
  std::shared_ptr<const HedgingRules> rules_;

  std::shared_mutex maps_mu_;
  std::unordered_map<std::string, std::shared_ptr<LatencyWindow>> windows_;
  std::unordered_map<std::string, std::shared_ptr<RetryBudget>> budgets_;

  // Shared with calls in flight: a loser may finish after this interceptor is gone.
  std::shared_ptr<Counters> counters_;
};

}  // namespace micro::governance

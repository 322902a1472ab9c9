// RetryInterceptor: the call-level client interceptor that repeats failed calls by the
// rules of RetryPolicy (retry.h), within a per-service RetryBudget (retry_budget.h), the
// call's deadline and its cancellation.
//
//   auto retry = std::make_shared<micro::governance::RetryInterceptor>(
//       PolicyRules<RetryOptions>({.max_attempts = 3}));
//   client.Use(retry);
//
// Each retry calls `next` again, and the client sends it to a node this call has not
// tried yet when there is one (ClientCall::tried). Between attempts it waits the backoff:
// a blocking call sleeps on its own thread (waking at once when the Context is
// cancelled); an async call schedules the retry on a runtime::Timer and returns the
// thread. It stops retrying when:
//   - the attempt succeeded, or its code is not retryable, or max_attempts is reached;
//   - the call is not idempotent (CallOptions::idempotent) and its rule does not say so;
//   - the service's budget has no retry left;
//   - the backoff would not end before the call's deadline;
//   - the Context was cancelled (the call then ends CANCELLED).
// The caller sees the last attempt's status.
//
// Install it inside a method circuit breaker (Use the breaker first) so that the breaker
// judges whole calls and its rejections are not retried. Thread-safe; one per Client.
#pragma once

#include <atomic>
#include <chrono>
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
#include <micro/governance/policy_rules.h>
#include <micro/governance/random.h>
#include <micro/governance/retry.h>
#include <micro/governance/retry_budget.h>
#include <micro/runtime/timer.h>

namespace micro::governance {

class GovernanceMetrics;

using RetryRules = PolicyRules<RetryOptions>;

// What a blocking call does between attempts; the default waits on a condition variable
// and returns early when `ctx` is cancelled.
using RetrySleepFn = std::function<void(Context& ctx, std::chrono::nanoseconds delay)>;

// The retry interceptor's collaborators; each has a production default.
struct RetryEnv {
  const Clock* clock = nullptr;     // for budgets; null = Clock::Real()
  runtime::Timer* timer = nullptr;  // for async backoffs; null = Timer::Shared()
  RandomFn random;                  // jitter; empty = DefaultRandom()
  RetrySleepFn sleep;               // blocking backoffs; empty = interruptible sleep
};

class RetryInterceptor : public client::ClientInterceptor {
 public:
  // What happened so far, for tests and metrics.
  struct Stats {
    uint64_t calls = 0;
    uint64_t retries = 0;             // retries sent
    uint64_t budget_exhausted = 0;    // retries the budget refused
    uint64_t deadline_too_close = 0;  // retries the deadline left no room for
    uint64_t not_idempotent = 0;      // retryable failures of non-idempotent calls
  };

  // `budget`: nullopt turns budgets off.
  explicit RetryInterceptor(RetryRules rules = RetryRules(),
                            std::optional<RetryBudgetOptions> budget = RetryBudgetOptions(),
                            RetryEnv env = {});
  ~RetryInterceptor() override;

  // Hot reload. Calls in flight finish under the rules they started with. SetBudget
  // starts every service's budget afresh.
  void SetRules(RetryRules rules);
  void SetBudget(std::optional<RetryBudgetOptions> budget);

  Stats stats() const;
  // The budget of the retries of calls to `service` (null: budgets are off). Hedging
  // (hedging.h) withdraws its hedges from the same one.
  std::shared_ptr<RetryBudget> Budget(std::string_view service) { return BudgetFor(service); }
  // Counts retries and budget refusals by method (metrics.h). Once, before the first call.
  void SetMetrics(std::shared_ptr<GovernanceMetrics> metrics) { metrics_ = std::move(metrics); }

  // client::ClientInterceptor
  void Intercept(Context& ctx, client::ClientCall& call, client::ClientNext next,
                 client::Done done) override;

 private:
  struct CallState;
  friend struct CallState;
  std::shared_ptr<RetryBudget> BudgetFor(std::string_view service);
  void Attempt(const std::shared_ptr<CallState>& state);
  void OnAttemptDone(const std::shared_ptr<CallState>& state, Status status);
  void ScheduleRetry(const std::shared_ptr<CallState>& state, std::chrono::nanoseconds delay);

  const Clock& clock_;
  runtime::Timer& timer_;
  RandomFn random_;
  RetrySleepFn sleep_;
  std::shared_ptr<GovernanceMetrics> metrics_;

  mutable std::mutex rules_mu_;
  std::shared_ptr<const RetryRules> rules_;

  std::shared_mutex budgets_mu_;
  std::optional<RetryBudgetOptions> budget_options_;
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  std::unordered_map<std::string, std::shared_ptr<RetryBudget>, NameHash, std::equal_to<>> budgets_;

  std::atomic<uint64_t> calls_{0}, retries_{0}, budget_exhausted_{0}, deadline_too_close_{0},
      not_idempotent_{0};
};

}  // namespace micro::governance

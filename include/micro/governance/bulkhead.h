// Bulkhead: a cap on the calls of one method running at once, so that one slow method (a
// stuck database, a slow downstream) cannot take every worker thread of the server. A call
// that finds its method full is rejected with RESOURCE_EXHAUSTED at once, or after waiting a
// short bounded time for a slot when the rule allows it.
//
//   micro::governance::Bulkhead bulkhead({.max_concurrent = 32});
//   if (!bulkhead.TryEnter()) return micro::Status::ResourceExhausted("busy");
//   ... work ...
//   bulkhead.Leave();
//
//   // on a server: each method matching a rule gets its own bulkhead of that size
//   server.Use(micro::governance::BulkheadInterceptor::Create({
//       {.method = "/shop.Report/Build", .bulkhead = {.max_concurrent = 4,
//                                                    .max_wait = std::chrono::milliseconds(20)}},
//       {.method = "*", .bulkhead = {.max_concurrent = 256}},
//   }).value());
//
// Thread-safety: everything may be called from any thread. Enter() may block (up to
// max_wait); the interceptor waits only for methods whose handlers run on worker threads
// (Execution::kBlocking), never on a transport's event thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <micro/core/result.h>
#include <micro/core/status.h>
#include <micro/server/middleware.h>

namespace micro::governance {

class GovernanceMetrics;

struct BulkheadOptions {
  int64_t max_concurrent = 100;  // calls running at once (>= 1)
  // How long a call may wait for a slot; 0 = reject at once when full.
  std::chrono::nanoseconds max_wait = std::chrono::nanoseconds(0);
  // Calls that may wait at once (the queue's bound); 0 = max_concurrent.
  int64_t max_waiting = 0;
  Status Validate() const;
  bool operator==(const BulkheadOptions&) const = default;
};

class Bulkhead {
 public:
  explicit Bulkhead(BulkheadOptions options);
  Bulkhead(const Bulkhead&) = delete;
  Bulkhead& operator=(const Bulkhead&) = delete;

  // Takes a slot if one is free now. Lock-free.
  bool TryEnter();
  // Takes a slot, waiting up to options().max_wait for one (bounded by max_waiting waiters).
  bool Enter();
  // Gives back a slot taken by TryEnter or Enter.
  void Leave();

  int64_t in_flight() const { return in_flight_.load(std::memory_order_relaxed); }
  // Calls parked in Enter() now.
  int64_t waiting() const { return waiting_.load(std::memory_order_relaxed); }
  const BulkheadOptions& options() const { return options_; }

 private:
  BulkheadOptions options_;
  // Own cache line: every call of the method touches it.
  alignas(64) std::atomic<int64_t> in_flight_{0};
  std::atomic<int64_t> waiting_{0};
  std::mutex mu_;
  std::condition_variable cv_;
};

struct BulkheadRule {
  // "*" (every method), "/pkg.Service/*" or "/pkg.Service/Method". Each method matched gets
  // its own bulkhead; the first matching rule wins.
  std::string method = "*";
  BulkheadOptions bulkhead;
  Status Validate() const;
  bool operator==(const BulkheadRule&) const = default;
};

class BulkheadInterceptor final : public server::Interceptor {
 public:
  // Fails naming "rules[i].<field>" when a rule is invalid.
  static Result<std::shared_ptr<BulkheadInterceptor>> Create(std::vector<BulkheadRule> rules);
  ~BulkheadInterceptor() override;

  // Replaces the rules; new calls see them at once. Calls already running finish under the
  // bulkheads they entered, so right after a change the old and new limits may both hold
  // calls for a moment.
  Status Update(std::vector<BulkheadRule> rules);

  // Calls running now in `path`'s bulkhead (0 when it has none); for metrics and tests.
  int64_t InFlight(std::string_view path) const;

  // Counts rejections by method (metrics.h). Once, before the first call.
  void SetMetrics(std::shared_ptr<GovernanceMetrics> metrics) { metrics_ = std::move(metrics); }

  // server::Interceptor
  Status Intercept(Context& ctx, const server::CallInfo& call, server::Next next) override;

  struct State;

 private:
  BulkheadInterceptor();
  std::shared_ptr<GovernanceMetrics> metrics_;
  std::mutex update_mu_;
  std::atomic<std::shared_ptr<State>> state_;
};

}  // namespace micro::governance

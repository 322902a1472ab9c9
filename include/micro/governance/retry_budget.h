// RetryBudget: caps retries at a share of the requests, so that a failing backend sees at
// most (1 + ratio) times its normal load instead of max_attempts times — the retry storm
// that turns a partial outage into a full one (Finagle's RetryBudget, Envoy's
// retry_budget). A floor keeps a trickle of retries available when traffic is light.
//
//   RetryBudget budget({.ratio = 0.2, .min_retries_per_second = 10});
//   budget.RecordRequest();               // every logical call, once
//   if (budget.TryRetry()) ...retry...    // every retry withdraws one
//
// Over the sliding `window`, retries admitted <= ratio * requests +
// min_retries_per_second * window. Thread-safe; one budget per destination service.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>

#include <micro/core/clock.h>
#include <micro/core/status.h>

namespace micro::governance {

struct RetryBudgetOptions {
  double ratio = 0.2;  // retries may add at most this share of requests
  double min_retries_per_second = 10;
  std::chrono::milliseconds window{10000};
  int buckets = 10;  // granularity of the sliding window

  Status Validate() const;
};

class RetryBudget {
 public:
  explicit RetryBudget(RetryBudgetOptions options = {}, const Clock& clock = Clock::Real());
  ~RetryBudget();
  RetryBudget(const RetryBudget&) = delete;
  RetryBudget& operator=(const RetryBudget&) = delete;

  // One logical call was made (its first attempt).
  void RecordRequest();
  // Withdraws one retry when the budget has one; false means: do not retry.
  bool TryRetry();
  // Retries the budget would admit now.
  int64_t Available();

  const RetryBudgetOptions& options() const { return options_; }

 private:
  struct Window;
  int64_t AvailableLocked(Clock::time_point now);

  const RetryBudgetOptions options_;
  const Clock& clock_;
  const double floor_;  // min_retries_per_second * window, in retries
  std::mutex mu_;
  std::unique_ptr<Window> window_;
};

}  // namespace micro::governance

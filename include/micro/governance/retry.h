// RetryPolicy: when a failed call may be sent again, and how long to wait first —
// exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And
// Jitter"): the n-th retry waits a uniformly random time in
// [0, min(max_backoff, initial_backoff * multiplier^(n-1))].
//
//   RetryPolicy policy({.max_attempts = 3, .initial_backoff = 25ms});
//   if (policy.ShouldRetry(status, /*attempts_made=*/1, call.idempotent) == RetryVerdict::kRetry)
//     wait(policy.Backoff(/*retry=*/1, random));
//
// A method that is not idempotent is never repeated unless its rule says it is
// (`idempotent: true`), because the failed attempt may have taken effect. The retry
// interceptor (retry_interceptor.h) adds the budget, the deadline and cancellation.
// A small value (no heap): immutable, copy it freely, use it from any thread.
#pragma once

#include <chrono>

#include <micro/core/status.h>
#include <micro/governance/code_set.h>
#include <micro/governance/random.h>

namespace micro::governance {

struct RetryOptions {
  // Attempts in all, the first one included; 1 turns retries off.
  int max_attempts = 3;
  // Codes worth another attempt. UNAVAILABLE means the server did not (or could not)
  // process the call, so repeating it is safe for idempotent methods.
  CodeSet retryable_codes{StatusCode::kUnavailable};
  std::chrono::milliseconds initial_backoff{25};
  std::chrono::milliseconds max_backoff{1000};
  double multiplier = 2.0;
  // Declares the method idempotent even when the caller did not (CallOptions::idempotent).
  bool idempotent = false;

  // INVALID_ARGUMENT naming the bad field.
  Status Validate() const;
};

enum class RetryVerdict {
  kRetry,
  kSucceeded,      // the attempt succeeded: nothing to retry
  kNotRetryable,   // its code is not in retryable_codes
  kNotIdempotent,  // neither the call nor the rule says repeating it is safe
  kExhausted,      // max_attempts reached
};

class RetryPolicy {
 public:
  explicit RetryPolicy(RetryOptions options = {}) : options_(options) {}

  // Whether a call that made `attempts_made` attempts, the last ending in `status`, may
  // make another (budget, deadline and cancellation aside).
  RetryVerdict ShouldRetry(const Status& status, int attempts_made, bool call_idempotent) const;

  // Upper bound of the wait before retry number `retry` (1 = the first retry).
  std::chrono::nanoseconds BackoffCap(int retry) const;
  // The wait before retry number `retry`: BackoffCap(retry) * random(), so uniform in
  // [0, BackoffCap(retry)] for a uniform RandomFn.
  std::chrono::nanoseconds Backoff(int retry, const RandomFn& random) const;

  const RetryOptions& options() const { return options_; }

 private:
  RetryOptions options_;
};

}  // namespace micro::governance

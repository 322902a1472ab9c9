#include <micro/governance/retry.h>

#include <algorithm>
#include <cmath>

namespace micro::governance {

Status RetryOptions::Validate() const {
  if (max_attempts < 1) return Status::InvalidArgument("max_attempts must be at least 1");
  if (initial_backoff.count() < 0) {
    return Status::InvalidArgument("initial_backoff must not be negative");
  }
  if (max_backoff < initial_backoff) {
    return Status::InvalidArgument("max_backoff must not be less than initial_backoff");
  }
  if (!(multiplier >= 1.0) || !std::isfinite(multiplier)) {
    return Status::InvalidArgument("multiplier must be a finite number >= 1");
  }
  if (retryable_codes.Contains(StatusCode::kOk)) {
    return Status::InvalidArgument("retryable_codes must not contain OK");
  }
  return Status::Ok();
}

RetryVerdict RetryPolicy::ShouldRetry(const Status& status, int attempts_made,
                                      bool call_idempotent) const {
  if (status.ok()) return RetryVerdict::kSucceeded;
  if (!options_.retryable_codes.Contains(status.code())) return RetryVerdict::kNotRetryable;
  if (!call_idempotent && !options_.idempotent) return RetryVerdict::kNotIdempotent;
  if (attempts_made >= options_.max_attempts) return RetryVerdict::kExhausted;
  return RetryVerdict::kRetry;
}

std::chrono::nanoseconds RetryPolicy::BackoffCap(int retry) const {
  using std::chrono::nanoseconds;
  const double max = static_cast<double>(nanoseconds(options_.max_backoff).count());
  // initial * multiplier^(retry-1), in floating point so that it saturates at the cap
  // instead of overflowing.
  double cap = static_cast<double>(nanoseconds(options_.initial_backoff).count()) *
               std::pow(options_.multiplier, std::max(0, retry - 1));
  return nanoseconds(static_cast<nanoseconds::rep>(std::min(cap, max)));
}

std::chrono::nanoseconds RetryPolicy::Backoff(int retry, const RandomFn& random) const {
  double u = std::clamp(random(), 0.0, 1.0);
  return std::chrono::nanoseconds(static_cast<std::chrono::nanoseconds::rep>(
      static_cast<double>(BackoffCap(retry).count()) * u));
}

}  // namespace micro::governance

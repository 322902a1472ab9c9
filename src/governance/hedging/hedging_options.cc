#include <micro/governance/hedging.h>

#include <cmath>

namespace micro::governance {

Status HedgingOptions::Validate() const {
  if (max_attempts < 1) return Status::InvalidArgument("max_attempts must be at least 1");
  // More copies than this only adds load: the budget would refuse them anyway.
  if (max_attempts > 10) return Status::InvalidArgument("max_attempts must be at most 10");
  if (delay.count() < 0) return Status::InvalidArgument("delay must not be negative");
  if (!std::isfinite(delay_percentile) || delay_percentile < 0 || delay_percentile >= 100) {
    return Status::InvalidArgument("delay_percentile must be in [0, 100) (0: fixed delay)");
  }
  if (min_samples < 1) return Status::InvalidArgument("min_samples must be at least 1");
  if (non_fatal_codes.Contains(StatusCode::kOk)) {
    return Status::InvalidArgument("non_fatal_codes must not contain OK");
  }
  return Status::Ok();
}

}  // namespace micro::governance

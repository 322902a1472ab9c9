#include <micro/governance/retry_budget.h>

#include <cmath>

#include "governance/common/rolling_counter.h"

namespace micro::governance {
namespace {
constexpr size_t kRequests = 0;
constexpr size_t kRetries = 1;
}  // namespace

Status RetryBudgetOptions::Validate() const {
  if (!(ratio >= 0) || !std::isfinite(ratio)) {
    return Status::InvalidArgument("ratio must be a finite number >= 0");
  }
  if (!(min_retries_per_second >= 0) || !std::isfinite(min_retries_per_second)) {
    return Status::InvalidArgument("min_retries_per_second must be a finite number >= 0");
  }
  return internal::CheckWindow(window, buckets);
}

struct RetryBudget::Window : internal::RollingCounter<2> {
  using RollingCounter::RollingCounter;
};

RetryBudget::RetryBudget(RetryBudgetOptions options, const Clock& clock)
    : options_(options),
      clock_(clock),
      floor_(options.min_retries_per_second *
             std::chrono::duration<double>(options.window).count()),
      window_(std::make_unique<Window>(options.window, options.buckets)) {}

RetryBudget::~RetryBudget() = default;

void RetryBudget::RecordRequest() {
  auto now = clock_.Now();
  std::lock_guard lock(mu_);
  window_->Add(now, kRequests);
}

int64_t RetryBudget::AvailableLocked(Clock::time_point now) {
  // The small epsilon keeps 0.2 * 100 from flooring to 19.
  double allowed = options_.ratio * static_cast<double>(window_->Sum(now, kRequests)) + floor_;
  return static_cast<int64_t>(std::floor(allowed + 1e-9)) - window_->Sum(now, kRetries);
}

bool RetryBudget::TryRetry() {
  auto now = clock_.Now();
  std::lock_guard lock(mu_);
  if (AvailableLocked(now) <= 0) return false;
  window_->Add(now, kRetries);
  return true;
}

int64_t RetryBudget::Available() {
  auto now = clock_.Now();
  std::lock_guard lock(mu_);
  return std::max<int64_t>(0, AvailableLocked(now));
}

}  // namespace micro::governance

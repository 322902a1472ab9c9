#include <micro/governance/breaker.h>

#include <cmath>

#include <micro/governance/hystrix_breaker.h>
#include <micro/governance/sre_breaker.h>

#include "governance/common/rolling_counter.h"

namespace micro::governance {
namespace {

using internal::CheckWindow;

Status Prefixed(const char* prefix, Status s) {
  if (s.ok()) return s;
  return Status(s.code(), std::string(prefix) + s.message());
}

}  // namespace

std::string_view BreakerStateName(BreakerState state) {
  switch (state) {
    case BreakerState::kClosed:
      return "closed";
    case BreakerState::kOpen:
      return "open";
    case BreakerState::kHalfOpen:
      return "half_open";
  }
  return "unknown";
}

Status HystrixOptions::Validate() const {
  if (Status s = CheckWindow(window, buckets); !s.ok()) return s;
  if (request_volume_threshold < 1) {
    return Status::InvalidArgument("request_volume_threshold must be at least 1");
  }
  if (!(error_threshold_percent > 0 && error_threshold_percent <= 100)) {
    return Status::InvalidArgument("error_threshold_percent must be in (0, 100]");
  }
  if (sleep_window.count() <= 0) return Status::InvalidArgument("sleep_window must be positive");
  if (half_open_probes < 1) return Status::InvalidArgument("half_open_probes must be at least 1");
  return Status::Ok();
}

Status SreOptions::Validate() const {
  if (Status s = CheckWindow(window, buckets); !s.ok()) return s;
  if (!(k >= 1.0) || !std::isfinite(k)) {
    return Status::InvalidArgument("k must be a finite number >= 1");
  }
  if (min_requests < 0) return Status::InvalidArgument("min_requests must not be negative");
  return Status::Ok();
}

Status BreakerOptions::Validate() const {
  if (kind == BreakerKind::kHystrix) {
    if (Status s = Prefixed("hystrix.", hystrix.Validate()); !s.ok()) return s;
  } else {
    if (Status s = Prefixed("sre.", sre.Validate()); !s.ok()) return s;
  }
  if (failure_codes.empty()) return Status::InvalidArgument("failure_codes must not be empty");
  if (failure_codes.Contains(StatusCode::kOk)) {
    return Status::InvalidArgument("failure_codes must not contain OK");
  }
  return Status::Ok();
}

std::unique_ptr<CircuitBreaker> NewCircuitBreaker(const BreakerOptions& options, std::string name,
                                                  BreakerListener listener, const Clock& clock,
                                                  RandomFn random) {
  if (options.kind == BreakerKind::kSre) {
    return std::make_unique<SreThrottle>(options.sre, std::move(name), std::move(listener), clock,
                                         std::move(random));
  }
  return std::make_unique<HystrixBreaker>(options.hystrix, std::move(name), std::move(listener),
                                          clock);
}

}  // namespace micro::governance

#include <micro/governance/sre_breaker.h>

#include <algorithm>

#include "governance/common/rolling_counter.h"

namespace micro::governance {
namespace {
constexpr size_t kRequests = 0;
constexpr size_t kAccepts = 1;
}  // namespace

struct SreThrottle::Window : internal::RollingCounter<2> {
  using RollingCounter::RollingCounter;
};

SreThrottle::SreThrottle(SreOptions options, std::string name, BreakerListener listener,
                         const Clock& clock, RandomFn random)
    : options_(options),
      name_(std::move(name)),
      listener_(std::move(listener)),
      clock_(clock),
      random_(random ? std::move(random) : DefaultRandom()),
      window_(std::make_unique<Window>(options.window, options.buckets)) {}

SreThrottle::~SreThrottle() = default;

double SreThrottle::RejectProbability(double requests, double accepts, double k, int min_requests) {
  if (requests < min_requests) return 0;
  return std::max(0.0, (requests - k * accepts) / (requests + 1));
}

double SreThrottle::ProbabilityLocked(Clock::time_point now) {
  return RejectProbability(static_cast<double>(window_->Sum(now, kRequests)),
                           static_cast<double>(window_->Sum(now, kAccepts)), options_.k,
                           options_.min_requests);
}

double SreThrottle::reject_probability() {
  auto now = clock_.Now();
  std::lock_guard lock(mu_);
  return ProbabilityLocked(now);
}

void SreThrottle::UpdateStateLocked(double p, BreakerState* from, BreakerState* to) {
  BreakerState next = p > 0 ? BreakerState::kOpen : BreakerState::kClosed;
  if (next == state_) return;
  *from = state_;
  *to = next;
  state_ = next;
}

Permit SreThrottle::Allow() {
  auto now = clock_.Now();
  BreakerState from = BreakerState::kClosed, to = BreakerState::kClosed;
  Permit permit{.allowed = true};
  {
    std::lock_guard lock(mu_);
    double p = ProbabilityLocked(now);
    if (p > 0 && random_() < p) {
      // A rejected call still counts as a request: that is what keeps the throttle
      // from closing until the backend accepts again.
      window_->Add(now, kRequests);
      permit.allowed = false;
      p = ProbabilityLocked(now);
    }
    UpdateStateLocked(p, &from, &to);
  }
  if (from != to) Notify(from, to);
  return permit;
}

void SreThrottle::Record(const Permit& permit, bool success, std::chrono::nanoseconds) {
  if (!permit.allowed) return;
  auto now = clock_.Now();
  BreakerState from = BreakerState::kClosed, to = BreakerState::kClosed;
  {
    std::lock_guard lock(mu_);
    window_->Add(now, kRequests);
    if (success) window_->Add(now, kAccepts);
    UpdateStateLocked(ProbabilityLocked(now), &from, &to);
  }
  if (from != to) Notify(from, to);
}

void SreThrottle::Release(const Permit&) {}

BreakerState SreThrottle::state() const {
  std::lock_guard lock(mu_);
  return state_;
}

void SreThrottle::Notify(BreakerState from, BreakerState to) {
  if (listener_) listener_(name_, from, to);
}

}  // namespace micro::governance

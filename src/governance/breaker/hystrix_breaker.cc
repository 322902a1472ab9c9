#include <micro/governance/hystrix_breaker.h>

#include "governance/common/rolling_counter.h"

namespace micro::governance {
namespace {

constexpr size_t kCalls = 0;
constexpr size_t kFailures = 1;

uint64_t Pack(uint64_t generation, BreakerState state) {
  return (generation << 2) | static_cast<uint64_t>(state);
}
BreakerState StateOf(uint64_t packed) { return static_cast<BreakerState>(packed & 3); }
uint64_t GenerationOf(uint64_t packed) { return packed >> 2; }
int64_t Ticks(Clock::time_point t) { return t.time_since_epoch().count(); }

}  // namespace

struct HystrixBreaker::Window : internal::RollingCounter<2> {
  using RollingCounter::RollingCounter;
};

HystrixBreaker::HystrixBreaker(HystrixOptions options, std::string name, BreakerListener listener,
                               const Clock& clock)
    : options_(options),
      name_(std::move(name)),
      listener_(std::move(listener)),
      clock_(clock),
      packed_(Pack(0, BreakerState::kClosed)),
      window_(std::make_unique<Window>(options.window, options.buckets)) {}

HystrixBreaker::~HystrixBreaker() = default;

BreakerState HystrixBreaker::state() const {
  return StateOf(packed_.load(std::memory_order_acquire));
}

bool HystrixBreaker::Accepting() const {
  if (state() != BreakerState::kOpen) return true;
  return Ticks(clock_.Now()) >= open_until_.load(std::memory_order_acquire);
}

Permit HystrixBreaker::Allow() {
  uint64_t packed = packed_.load(std::memory_order_acquire);
  if (StateOf(packed) == BreakerState::kClosed) {
    return {.allowed = true, .generation = GenerationOf(packed)};
  }
  auto now = clock_.Now();
  if (StateOf(packed) == BreakerState::kOpen &&
      Ticks(now) < open_until_.load(std::memory_order_acquire)) {
    return {};
  }
  Permit permit;
  BreakerState from = BreakerState::kClosed, to = BreakerState::kClosed;
  {
    std::lock_guard lock(mu_);
    packed = packed_.load(std::memory_order_relaxed);
    BreakerState state = StateOf(packed);
    if (state == BreakerState::kClosed) {
      return {.allowed = true, .generation = GenerationOf(packed)};
    }
    if (state == BreakerState::kOpen) {
      if (Ticks(now) < open_until_.load(std::memory_order_relaxed)) return {};
      from = TransitionLocked(BreakerState::kHalfOpen, now);
      to = BreakerState::kHalfOpen;
    }
    if (probes_admitted_ >= options_.half_open_probes &&
        now - half_open_since_ >= options_.sleep_window) {
      // Probes that never reported (their caller vanished) must not wedge the breaker
      // half-open: after another sleep window, their slots are free again.
      probes_admitted_ = probes_succeeded_;
      half_open_since_ = now;
    }
    if (probes_admitted_ < options_.half_open_probes) {
      ++probes_admitted_;
      permit = {.allowed = true,
                .probe = true,
                .generation = GenerationOf(packed_.load(std::memory_order_relaxed))};
    }
  }
  if (from != to) Notify(from, to);
  return permit;
}

void HystrixBreaker::Record(const Permit& permit, bool success,
                            std::chrono::nanoseconds /*latency*/) {
  if (!permit.allowed) return;
  auto now = clock_.Now();
  BreakerState from = BreakerState::kClosed, to = BreakerState::kClosed;
  {
    std::lock_guard lock(mu_);
    uint64_t packed = packed_.load(std::memory_order_relaxed);
    if (GenerationOf(packed) != permit.generation) return;  // admitted in another state
    switch (StateOf(packed)) {
      case BreakerState::kClosed: {
        window_->Add(now, kCalls);
        if (success) break;
        window_->Add(now, kFailures);
        int64_t calls = window_->Sum(now, kCalls);
        int64_t failures = window_->Sum(now, kFailures);
        if (calls >= options_.request_volume_threshold &&
            static_cast<double>(failures) * 100.0 >=
                options_.error_threshold_percent * static_cast<double>(calls)) {
          to = BreakerState::kOpen;
          from = TransitionLocked(to, now);
        }
        break;
      }
      case BreakerState::kHalfOpen:
        if (!success) {
          to = BreakerState::kOpen;
          from = TransitionLocked(to, now);
        } else if (++probes_succeeded_ >= options_.half_open_probes) {
          to = BreakerState::kClosed;
          from = TransitionLocked(to, now);
        }
        break;
      case BreakerState::kOpen:
        break;
    }
  }
  if (from != to) Notify(from, to);
}

void HystrixBreaker::Release(const Permit& permit) {
  if (!permit.allowed || !permit.probe) return;
  std::lock_guard lock(mu_);
  uint64_t packed = packed_.load(std::memory_order_relaxed);
  if (GenerationOf(packed) == permit.generation && probes_admitted_ > probes_succeeded_) {
    --probes_admitted_;
  }
}

BreakerState HystrixBreaker::TransitionLocked(BreakerState to, Clock::time_point now) {
  uint64_t packed = packed_.load(std::memory_order_relaxed);
  BreakerState from = StateOf(packed);
  switch (to) {
    case BreakerState::kOpen:
      open_until_.store(Ticks(now + options_.sleep_window), std::memory_order_release);
      break;
    case BreakerState::kHalfOpen:
      probes_admitted_ = 0;
      probes_succeeded_ = 0;
      half_open_since_ = now;
      break;
    case BreakerState::kClosed:
      window_->Reset();
      break;
  }
  packed_.store(Pack(GenerationOf(packed) + 1, to), std::memory_order_release);
  return from;
}

void HystrixBreaker::Notify(BreakerState from, BreakerState to) {
  if (listener_) listener_(name_, from, to);
}

}  // namespace micro::governance

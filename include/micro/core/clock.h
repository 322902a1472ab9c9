// micro::Clock: the time source of every time-based policy (limiters, breakers, EWMAs,
// backoff, TTLs). Production code uses Clock::Real(); tests hand a ManualClock to the
// policy and move time by hand, so the policy's arithmetic is checked exactly and no
// test sleeps:
//
//   micro::ManualClock clock;
//   TokenBucket bucket({.rate = 10, .burst = 10}, clock);
//   ...drain it...
//   clock.Advance(std::chrono::milliseconds(100));   // exactly one token comes back
//
// Now() is thread-safe on both.
#pragma once

#include <atomic>
#include <chrono>

namespace micro {

class Clock {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  using duration = std::chrono::steady_clock::duration;

  virtual ~Clock() = default;
  virtual time_point Now() const = 0;

  // std::chrono::steady_clock; lives for the whole process.
  static const Clock& Real();
};

// A clock that moves only when told to. Starts at an arbitrary fixed point far from
// the epoch so that "now - window" never underflows.
class ManualClock final : public Clock {
 public:
  ManualClock() : now_(kStart) {}
  time_point Now() const override { return time_point(duration(now_.load())); }
  void Advance(duration d) { now_.fetch_add(d.count()); }
  void Set(time_point t) { now_.store(t.time_since_epoch().count()); }

 private:
  static constexpr duration::rep kStart =
      std::chrono::duration_cast<duration>(std::chrono::hours(24 * 365)).count();
  std::atomic<duration::rep> now_;
};

}  // namespace micro

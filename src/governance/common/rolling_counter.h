// RollingCounter<N>: N event counters over a sliding window of time, split into buckets
// (Hystrix's rolling window). Adding and summing are O(1) amortized: running totals are
// kept, and buckets that fall out of the window are subtracted as time moves on.
//
// Not thread-safe: the owning policy guards it with its own lock.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <vector>

#include <micro/core/clock.h>
#include <micro/core/status.h>

namespace micro::governance::internal {

// The option checks every rolling window shares (breakers, retry budgets).
inline Status CheckWindow(std::chrono::milliseconds window, int buckets) {
  if (window.count() <= 0) return Status::InvalidArgument("window must be positive");
  if (buckets < 1 || buckets > 1000) {
    return Status::InvalidArgument("buckets must be between 1 and 1000");
  }
  if (window.count() < buckets) {
    return Status::InvalidArgument("window must be at least one millisecond per bucket");
  }
  return Status::Ok();
}

template <size_t N>
class RollingCounter {
 public:
  RollingCounter(Clock::duration window, int buckets)
      : width_(std::max<Clock::duration::rep>(1, window.count() / std::max(1, buckets))),
        slots_(static_cast<size_t>(std::max(1, buckets))) {}

  void Add(Clock::time_point now, size_t counter, int64_t n = 1) {
    Advance(now);
    slots_[current_ % slots_.size()].counts[counter] += n;
    totals_[counter] += n;
  }

  // The sum of a counter over the window ending at `now`.
  int64_t Sum(Clock::time_point now, size_t counter) {
    Advance(now);
    return totals_[counter];
  }

  void Reset() {
    for (auto& s : slots_) s.counts = {};
    totals_ = {};
  }

 private:
  struct Slot {
    std::array<int64_t, N> counts{};
  };

  // Moves the window's head to `now`, clearing the buckets it passes over.
  void Advance(Clock::time_point now) {
    int64_t bucket = now.time_since_epoch().count() / width_;
    if (bucket <= current_) return;  // same bucket (or a clock that stepped back)
    int64_t steps = bucket - current_;
    if (steps >= static_cast<int64_t>(slots_.size())) {
      Reset();
    } else {
      for (int64_t b = current_ + 1; b <= bucket; ++b) {
        auto& slot = slots_[static_cast<size_t>(b) % slots_.size()];
        for (size_t i = 0; i < N; ++i) totals_[i] -= slot.counts[i];
        slot.counts = {};
      }
    }
    current_ = bucket;
  }

  Clock::duration::rep width_;
  std::vector<Slot> slots_;
  std::array<int64_t, N> totals_{};
  int64_t current_ = 0;
};

}  // namespace micro::governance::internal

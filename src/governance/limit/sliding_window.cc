// SlidingWindow: the current and previous fixed-window counts and the current window's index
// share one 64-bit word so that reading, rolling and incrementing them is one CAS.
//
// Layout: [window index mod 2^22 | current count (21 bits) | previous count (21 bits)].
// Only the difference between the stored index and now's index matters (0: same window,
// 1: the next one, anything else: both counts are stale). The index wraps every 2^22
// windows (48 days of 1 s windows); a limiter left idle for exactly a multiple of that
// would see its old counts for one window — at worst one window of early rejections.
#include <string>

#include <micro/governance/limiter.h>

#include "governance/common/now_ns.h"

namespace micro::governance {
namespace {

constexpr int kCountBits = 21;
constexpr uint64_t kCountMask = (uint64_t{1} << kCountBits) - 1;
constexpr uint64_t kIndexMask = (uint64_t{1} << 22) - 1;

uint64_t Pack(uint64_t index, uint64_t current, uint64_t previous) {
  return ((index & kIndexMask) << (2 * kCountBits)) | (current << kCountBits) | previous;
}

using internal::NowNs;

}  // namespace

Status SlidingWindowOptions::Validate() const {
  if (limit < 1 || limit > SlidingWindow::kMaxLimit) {
    return Status::InvalidArgument("limit: must be 1 .. " +
                                   std::to_string(SlidingWindow::kMaxLimit) + ", got " +
                                   std::to_string(limit));
  }
  if (window <= std::chrono::nanoseconds(0) || window > std::chrono::hours(24)) {
    return Status::InvalidArgument("window: must be > 0 and <= 24h");
  }
  return Status::Ok();
}

SlidingWindow::SlidingWindow(SlidingWindowOptions options, const Clock& clock)
    : options_(options), clock_(clock), window_ns_(options.window.count()) {
  state_.store(Pack(static_cast<uint64_t>(NowNs(clock_) / window_ns_), 0, 0),
               std::memory_order_relaxed);
}

bool SlidingWindow::DoTryAcquire(int64_t n) {
  if (n <= 0) return true;
  if (n > options_.limit) return false;
  const int64_t now = NowNs(clock_);
  const uint64_t now_index = static_cast<uint64_t>(now / window_ns_);
  uint64_t state = state_.load(std::memory_order_relaxed);
  for (;;) {
    uint64_t index = now_index;
    int64_t elapsed = now - static_cast<int64_t>(now_index) * window_ns_;
    const uint64_t stored_index = state >> (2 * kCountBits);
    uint64_t current = (state >> kCountBits) & kCountMask;
    uint64_t previous = state & kCountMask;
    const uint64_t age = (now_index - stored_index) & kIndexMask;
    const uint64_t ahead = (stored_index - now_index) & kIndexMask;
    if (ahead == 1 || ahead == 2) {
      // Another thread read the clock after us and already rolled the window: count in its
      // window, at its very start (the most conservative weighting).
      index = stored_index;
      elapsed = 0;
    } else if (age == 1) {
      previous = current;
      current = 0;
    } else if (age != 0) {
      previous = 0;
      current = 0;
    }
    // previous * (window - elapsed) / window + current + n <= limit, in integers.
    const __int128 lhs = static_cast<__int128>(previous) * (window_ns_ - elapsed) +
                         static_cast<__int128>(current + n) * window_ns_;
    if (lhs > static_cast<__int128>(options_.limit) * window_ns_) return false;
    if (state_.compare_exchange_weak(state, Pack(index, current + n, previous),
                                     std::memory_order_relaxed)) {
      return true;
    }
  }
}

}  // namespace micro::governance

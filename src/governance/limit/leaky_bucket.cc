// LeakyBucket as a meter with virtual scheduling: `next_free_` is when the permits booked so
// far have all drained. A new booking starts there (or now, if the bucket is empty), so its
// delay is how much water is ahead of it; it fits when its last permit waits at most
// queue_depth intervals.
#include <algorithm>
#include <cmath>
#include <string>

#include <micro/governance/limiter.h>

#include "governance/common/now_ns.h"

namespace micro::governance {
namespace {

using internal::NowNs;

}  // namespace

Status LeakyBucketOptions::Validate() const {
  if (!(rate > 0) || !std::isfinite(rate) || rate > 1e9) {
    return Status::InvalidArgument("rate: must be > 0 and <= 1e9 permits per second, got " +
                                   std::to_string(rate));
  }
  if (queue_depth < 0 || queue_depth > (int64_t{1} << 32)) {
    return Status::InvalidArgument("queue_depth: must be 0 .. 2^32, got " +
                                   std::to_string(queue_depth));
  }
  return Status::Ok();
}

LeakyBucket::LeakyBucket(LeakyBucketOptions options, const Clock& clock)
    : options_(options), clock_(clock) {
  interval_ns_ = std::max<int64_t>(1, std::llround(1e9 / options_.rate));
  max_delay_ns_ = options_.queue_depth * interval_ns_;
  next_free_.store(NowNs(clock_), std::memory_order_relaxed);
}

std::chrono::nanoseconds LeakyBucket::Reserve(int64_t n) {
  if (n <= 0) return std::chrono::nanoseconds(0);
  if (n - 1 > options_.queue_depth) return std::chrono::nanoseconds(-1);
  const int64_t now = NowNs(clock_);
  int64_t next_free = next_free_.load(std::memory_order_relaxed);
  for (;;) {
    const int64_t start = std::max(next_free, now);
    const int64_t delay = start - now;
    if (delay + (n - 1) * interval_ns_ > max_delay_ns_) return std::chrono::nanoseconds(-1);
    if (next_free_.compare_exchange_weak(next_free, start + n * interval_ns_,
                                         std::memory_order_relaxed)) {
      return std::chrono::nanoseconds(delay);
    }
  }
}

}  // namespace micro::governance

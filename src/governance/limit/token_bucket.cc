// TokenBucket as GCRA (the generic cell rate algorithm): instead of a token count that must be
// refilled, keep the "theoretical arrival time" (TAT) at which the bucket would be full again.
// A request for n permits moves TAT by n intervals; it is admitted when the new TAT is no more
// than burst intervals ahead of now. One atomic word, so one CAS per admitted call and no
// background refill.
#include <algorithm>
#include <cmath>
#include <string>

#include <micro/governance/limiter.h>

#include "governance/common/now_ns.h"

namespace micro::governance {
namespace {

using internal::NowNs;

}  // namespace

Status TokenBucketOptions::Validate() const {
  if (!(rate > 0) || !std::isfinite(rate) || rate > 1e9) {
    return Status::InvalidArgument("rate: must be > 0 and <= 1e9 permits per second, got " +
                                   std::to_string(rate));
  }
  if (burst < 0 || burst > (int64_t{1} << 32)) {
    return Status::InvalidArgument("burst: must be 0 (= rate) or 1 .. 2^32, got " +
                                   std::to_string(burst));
  }
  return Status::Ok();
}

TokenBucket::TokenBucket(TokenBucketOptions options, const Clock& clock)
    : options_(options), clock_(clock) {
  if (options_.burst == 0) options_.burst = std::max<int64_t>(1, std::llround(options_.rate));
  interval_ns_ = std::max<int64_t>(1, std::llround(1e9 / options_.rate));
  tolerance_ns_ = options_.burst * interval_ns_;
  tat_.store(NowNs(clock_), std::memory_order_relaxed);
}

bool TokenBucket::DoTryAcquire(int64_t n) {
  if (n <= 0) return true;
  if (n > options_.burst) return false;
  const int64_t now = NowNs(clock_);
  const int64_t cost = n * interval_ns_;
  int64_t tat = tat_.load(std::memory_order_relaxed);
  for (;;) {
    const int64_t next = std::max(tat, now) + cost;
    if (next - now > tolerance_ns_) return false;
    // Relaxed is enough: the word carries no other data, and the CAS orders admissions.
    if (tat_.compare_exchange_weak(tat, next, std::memory_order_relaxed)) return true;
  }
}

int64_t TokenBucket::Available() const {
  const int64_t now = NowNs(clock_);
  const int64_t ahead = std::max<int64_t>(0, tat_.load(std::memory_order_relaxed) - now);
  return (tolerance_ns_ - ahead) / interval_ns_;
}

}  // namespace micro::governance

// Local rate limiters: how many calls may start per unit of time, decided in nanoseconds and
// never by sleeping. Three algorithms behind one interface and a keyed limiter that keeps one
// limiter per caller / IP / method. rate_limit.h applies them to a server as rules;
// redis_limiter.h shares one limit across processes.
//
//   micro::governance::TokenBucket bucket({.rate = 10, .burst = 5});
//   if (!bucket.TryAcquire()) return micro::Status::ResourceExhausted("slow down");
//
//   // one bucket per caller, at most 10k callers remembered:
//   micro::governance::KeyedLimiter per_user(
//       {.limiter = micro::governance::TokenBucketOptions{.rate = 100, .burst = 20}});
//   per_user.TryAcquire(user_id);
//
// Every TryAcquire is thread-safe and non-blocking. Time comes from the Clock given at
// construction (micro::Clock::Real() by default; tests pass a ManualClock); the clock must
// outlive the limiter.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include <micro/core/clock.h>
#include <micro/core/status.h>

namespace micro::governance {

// A source of permits. Implementations must be thread-safe.
class Limiter {
 public:
  virtual ~Limiter() = default;
  // Takes `n` (>= 1) permits when they are available now; false (taking nothing) otherwise.
  bool TryAcquire(int64_t n = 1) { return DoTryAcquire(n); }

 protected:
  virtual bool DoTryAcquire(int64_t n) = 0;
};

struct TokenBucketOptions {
  double rate = 100;  // permits added per second (> 0)
  int64_t burst = 0;  // bucket size: permits that may be taken at once; 0 = max(1, rate)
  // INVALID_ARGUMENT naming the field ("rate", "burst") when out of range.
  Status Validate() const;
  bool operator==(const TokenBucketOptions&) const = default;
};

// The classic token bucket, as GCRA: a single atomic "theoretical arrival time" moved by
// CAS, so TryAcquire is lock-free. A full bucket holds `burst` permits; one comes back every
// 1/rate. Starts full.
class TokenBucket final : public Limiter {
 public:
  explicit TokenBucket(TokenBucketOptions options, const Clock& clock = Clock::Real());
  const TokenBucketOptions& options() const { return options_; }
  // Whole permits available now (a snapshot; for metrics and tests).
  int64_t Available() const;

 protected:
  bool DoTryAcquire(int64_t n) override;

 private:
  TokenBucketOptions options_;
  const Clock& clock_;
  int64_t interval_ns_;   // time one permit takes to come back
  int64_t tolerance_ns_;  // burst * interval
  std::atomic<int64_t> tat_;
};

struct SlidingWindowOptions {
  int64_t limit = 100;                                        // permits per window (1 .. 2^21-1)
  std::chrono::nanoseconds window = std::chrono::seconds(1);  // > 0
  Status Validate() const;
  bool operator==(const SlidingWindowOptions&) const = default;
};

// Counter-based sliding window (as Cloudflare and Sentinel approximate it): the count of the
// current fixed window plus the previous window's count weighted by how much of it still
// overlaps the sliding window. Admits n when
//     previous * (1 - elapsed/window) + current + n <= limit.
// The three numbers live packed in one atomic word, so TryAcquire is one CAS loop.
class SlidingWindow final : public Limiter {
 public:
  static constexpr int64_t kMaxLimit = (int64_t{1} << 21) - 1;
  explicit SlidingWindow(SlidingWindowOptions options, const Clock& clock = Clock::Real());
  const SlidingWindowOptions& options() const { return options_; }

 protected:
  bool DoTryAcquire(int64_t n) override;

 private:
  SlidingWindowOptions options_;
  const Clock& clock_;
  int64_t window_ns_;
  std::atomic<uint64_t> state_;  // window index (22 bits) | current (21) | previous (21)
};

struct LeakyBucketOptions {
  double rate = 100;        // permits leaving the bucket per second (> 0)
  int64_t queue_depth = 0;  // permits that may wait behind the one being served (>= 0)
  Status Validate() const;
  bool operator==(const LeakyBucketOptions&) const = default;
};

// The leaky bucket as a meter: calls drain at a steady `rate`; a call is admitted when it
// fits in the bucket (at most `queue_depth` permits queued ahead of it), else rejected. As a
// meter this admits exactly what TokenBucket{rate, queue_depth + 1} admits; what it adds is
// Reserve(): the delay until the call's slot, for callers that want a smooth output (pace a
// client, or wait a bounded time on a worker thread) instead of a burst.
class LeakyBucket final : public Limiter {
 public:
  explicit LeakyBucket(LeakyBucketOptions options, const Clock& clock = Clock::Real());
  const LeakyBucketOptions& options() const { return options_; }
  // Books `n` permits and returns how long the caller should wait before starting (zero when
  // its slot is now); -1ns when the bucket is full (nothing booked).
  std::chrono::nanoseconds Reserve(int64_t n = 1);

 protected:
  bool DoTryAcquire(int64_t n) override { return Reserve(n).count() >= 0; }

 private:
  LeakyBucketOptions options_;
  const Clock& clock_;
  int64_t interval_ns_;
  int64_t max_delay_ns_;            // queue_depth * interval
  std::atomic<int64_t> next_free_;  // when the bucket is empty again
};

// One of the three, as data (what a YAML rule becomes).
using LimiterConfig = std::variant<TokenBucketOptions, SlidingWindowOptions, LeakyBucketOptions>;
Status ValidateLimiterConfig(const LimiterConfig& config);
std::unique_ptr<Limiter> NewLimiter(const LimiterConfig& config,
                                    const Clock& clock = Clock::Real());

struct KeyedLimiterOptions {
  LimiterConfig limiter = TokenBucketOptions{};  // the limiter every key gets
  size_t max_keys = 10000;  // keys remembered (>= 16); beyond it the idlest are forgotten
  // A key unused this long is forgotten (its next call starts with a fresh limiter). > 0.
  std::chrono::nanoseconds idle_timeout = std::chrono::minutes(10);
  Status Validate() const;
};

// One limiter per key (a caller id, an IP, a method), created on first use. 16 shards, a
// mutex each, so calls for different keys rarely contend. Memory is bounded: a shard that is
// full forgets idle keys first, then its least recently used one. A forgotten key's next call
// gets a fresh (full) limiter — bounded memory is worth that.
class KeyedLimiter {
 public:
  static constexpr size_t kShards = 16;
  explicit KeyedLimiter(KeyedLimiterOptions options, const Clock& clock = Clock::Real());
  ~KeyedLimiter();
  KeyedLimiter(const KeyedLimiter&) = delete;
  KeyedLimiter& operator=(const KeyedLimiter&) = delete;

  bool TryAcquire(std::string_view key, int64_t n = 1);
  // Keys currently remembered.
  size_t size() const;
  const KeyedLimiterOptions& options() const { return options_; }

 private:
  struct Shard;
  KeyedLimiterOptions options_;
  const Clock& clock_;
  std::unique_ptr<Shard[]> shards_;
};

}  // namespace micro::governance

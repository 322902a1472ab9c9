// RedisLimiter: one rate limit shared by every process of a service (N calls/s in total,
// however many replicas run), without a Redis round-trip per call.
//
// Redis holds one token bucket (rate N/s, size `burst`). Each process leases batches of
// tokens from it with one atomic Lua script (EVALSHA; EVAL when Redis answers NOSCRIPT) on
// a background thread, and serves TryAcquire from its local lease with one atomic
// decrement. The lease size follows the local demand (about `lease_period` of it), so a
// busy replica takes big batches and an idle one small ones; the thread tops the lease up
// when it falls below half.
//
// When Redis is unreachable (refused, reset, timed out) the limiter degrades to a local
// token bucket of `fallback_rate` (default rate / expected_processes: this process's fair
// share), and reconnects in the background with backoff; the first lease granted after
// that ends the fallback. Calls never wait for Redis.
//
//   auto limiter = micro::governance::RedisLimiter::Create({
//       .url = "redis://127.0.0.1:6379", .key = "orders:create",
//       .rate = 1000, .expected_processes = 4});
//   if (!limiter.ok()) return limiter.status();
//   if (!(*limiter)->TryAcquire()) return micro::Status::ResourceExhausted("...");
//
// Bound on the global rate: over any period T the processes admit at most
// burst + rate * T + (tokens still held in leases at its start), and a process holds at most
// max_lease. Thread-safety: TryAcquire and the getters from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <micro/core/clock.h>
#include <micro/core/result.h>
#include <micro/governance/limiter.h>

namespace micro::governance {

struct RedisLimiterOptions {
  // redis://host:port, optionally ?db=N&password=P&timeout_ms=200 (connect and command
  // timeout; default 200).
  std::string url = "redis://127.0.0.1:6379";
  std::string key;             // the shared bucket's Redis key (required)
  double rate = 100;           // global permits per second across all processes (> 0)
  int64_t burst = 0;           // global bucket size; 0 = max(1, rate)
  int expected_processes = 1;  // >= 1; sets the default fallback share
  double fallback_rate = 0;    // local permits/s while Redis is down; 0 = rate/expected_processes
  // A lease aims to cover this much of the local demand (>= 1ms).
  std::chrono::milliseconds lease_period = std::chrono::milliseconds(100);
  int64_t max_lease = 0;  // tokens one lease may take; 0 = max(1, burst / 2)
  // Reconnect backoff while Redis is down: doubles from min to max.
  std::chrono::milliseconds reconnect_min = std::chrono::milliseconds(100);
  std::chrono::milliseconds reconnect_max = std::chrono::seconds(2);
  Status Validate() const;
};

class RedisLimiter final : public Limiter {
 public:
  // Validates the options and starts the background thread; does not wait for Redis (until
  // the first lease arrives, calls are served by the fallback share).
  static Result<std::unique_ptr<RedisLimiter>> Create(RedisLimiterOptions options,
                                                      const Clock& clock = Clock::Real());
  // Stops the thread and gives unused leased tokens back to Redis (best effort).
  ~RedisLimiter() override;

  // True while Redis is unreachable (or not reached yet) and the fallback share applies.
  bool degraded() const { return degraded_.load(std::memory_order_relaxed); }
  // Tokens leased and not yet used by this process.
  int64_t leased() const { return tokens_.load(std::memory_order_relaxed); }
  const RedisLimiterOptions& options() const { return options_; }

  // The Lua script (for documentation and tests): KEYS[1] bucket; ARGV rate, burst, wanted.
  static const char* Script();

 protected:
  bool DoTryAcquire(int64_t n) override;

 private:
  struct Worker;
  RedisLimiter(RedisLimiterOptions options, const Clock& clock);
  void WakeWorker();

  RedisLimiterOptions options_;
  const Clock& clock_;
  alignas(64) std::atomic<int64_t> tokens_{0};
  std::atomic<uint64_t> demand_{0};  // permits asked for, admitted or not
  std::atomic<int64_t> low_water_{0};
  std::atomic<bool> refill_requested_{false};
  std::atomic<bool> degraded_{true};
  std::unique_ptr<TokenBucket> fallback_;
  std::unique_ptr<Worker> worker_;
};

}  // namespace micro::governance

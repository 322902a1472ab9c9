// HystrixBreaker: the classic circuit breaker (Netflix Hystrix, resilience4j).
//
//   closed --(calls >= request_volume_threshold and error% >= threshold)--> open
//   open --(sleep_window elapsed)--> half_open: admits half_open_probes calls
//   half_open --(every probe succeeded)--> closed     (statistics start afresh)
//   half_open --(a probe failed)--> open              (a new sleep window)
//
// Statistics are kept in a rolling window of buckets on the given Clock. See breaker.h
// for the contract; thread-safe.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include <micro/governance/breaker.h>

namespace micro::governance {

class HystrixBreaker final : public CircuitBreaker {
 public:
  explicit HystrixBreaker(HystrixOptions options = {}, std::string name = "",
                          BreakerListener listener = {}, const Clock& clock = Clock::Real());
  ~HystrixBreaker() override;

  // CircuitBreaker
  Permit Allow() override;
  void Record(const Permit& permit, bool success, std::chrono::nanoseconds latency) override;
  void Release(const Permit& permit) override;
  BreakerState state() const override;
  bool Accepting() const override;

 private:
  struct Window;
  // Moves to `to`, bumping the generation; returns the state left. Caller holds mu_.
  BreakerState TransitionLocked(BreakerState to, Clock::time_point now);
  void Notify(BreakerState from, BreakerState to);

  const HystrixOptions options_;
  const std::string name_;
  const BreakerListener listener_;
  const Clock& clock_;

  // (generation << 2) | state, so that the closed fast path reads both with one load.
  std::atomic<uint64_t> packed_;
  // Open: when probes may start (ns since the clock's epoch). Read without the lock.
  std::atomic<int64_t> open_until_{0};

  std::mutex mu_;
  std::unique_ptr<Window> window_;
  int probes_admitted_ = 0;
  int probes_succeeded_ = 0;
  Clock::time_point half_open_since_{};
};

}  // namespace micro::governance

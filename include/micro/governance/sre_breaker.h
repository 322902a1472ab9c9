// SreThrottle: client-side adaptive throttling from Google's SRE book ("Handling
// Overload"). Over a rolling window the client counts requests (every call it wanted to
// make, rejected ones included) and accepts (calls the backend served), and rejects a
// new call locally with probability
//
//     p = max(0, (requests - K * accepts) / (requests + 1))
//
// so a healthy backend sees no throttling, and a failing one sees a trickle of traffic
// that grows back as soon as it accepts again — no sleep window, no probes. state() is
// kOpen while p > 0 ("throttling") and kClosed otherwise. See breaker.h; thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include <micro/governance/breaker.h>

namespace micro::governance {

class SreThrottle final : public CircuitBreaker {
 public:
  explicit SreThrottle(SreOptions options = {}, std::string name = "",
                       BreakerListener listener = {}, const Clock& clock = Clock::Real(),
                       RandomFn random = DefaultRandom());
  ~SreThrottle() override;

  // The formula above, with the min_requests floor.
  static double RejectProbability(double requests, double accepts, double k, int min_requests = 0);
  // The current rejection probability.
  double reject_probability();

  // CircuitBreaker
  Permit Allow() override;
  void Record(const Permit& permit, bool success, std::chrono::nanoseconds latency) override;
  void Release(const Permit& permit) override;
  BreakerState state() const override;
  bool Accepting() const override { return true; }

 private:
  struct Window;
  double ProbabilityLocked(Clock::time_point now);
  void UpdateStateLocked(double p, BreakerState* from, BreakerState* to);
  void Notify(BreakerState from, BreakerState to);

  const SreOptions options_;
  const std::string name_;
  const BreakerListener listener_;
  const Clock& clock_;
  const RandomFn random_;

  mutable std::mutex mu_;
  std::unique_ptr<Window> window_;
  BreakerState state_ = BreakerState::kClosed;
};

}  // namespace micro::governance

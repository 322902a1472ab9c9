// CircuitBreaker: stops sending calls to something that is failing, so that it can
// recover and callers fail fast instead of queueing behind timeouts. Two algorithms sit
// behind one interface:
//   - HystrixBreaker (hystrix_breaker.h): opens when the error percentage over a rolling
//     window crosses a threshold, rejects everything for a sleep window, then lets a few
//     probes through (half-open) and closes when they succeed;
//   - SreThrottle (sre_breaker.h): Google SRE's adaptive throttling; rejects a share of
//     calls that grows with the gap between requests and accepted requests.
//
//   auto breaker = NewCircuitBreaker({.kind = BreakerKind::kHystrix}, "inventory");
//   if (auto permit = breaker->Allow()) {
//     Status s = Send();
//     breaker->Record(permit, /*success=*/!options.failure_codes.Contains(s.code()), took);
//   } else {
//     return Status::Unavailable("circuit open");
//   }
//
// Every Allow() that returns an allowed permit must be followed by exactly one Record()
// or Release() with that permit (half-open probes are counted by permit). Results that
// arrive after the breaker changed state (a slow call admitted before it opened) are
// ignored. All methods are thread-safe and cheap: Allow() while closed takes no lock.
// Interceptors that put breakers on a client: method_breaker.h, endpoint_breaker.h.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <micro/core/clock.h>
#include <micro/core/status.h>
#include <micro/governance/code_set.h>
#include <micro/governance/random.h>

namespace micro::governance {

// kOpen for SreThrottle means "throttling" (rejecting a share of calls).
enum class BreakerState { kClosed, kOpen, kHalfOpen };
std::string_view BreakerStateName(BreakerState state);  // "closed", "open", "half_open"

// Called on every state change, after the breaker's lock is released, on the thread whose
// call caused the change (possibly concurrently with another change's listener). `name`
// says which breaker: "<service><method>" for method breakers, "<service>@<node id>" for
// endpoint breakers. Meant for logs and metrics: keep it short, do not call the breaker.
using BreakerListener =
    std::function<void(std::string_view name, BreakerState from, BreakerState to)>;

// The answer of Allow(): whether the call may go, and what Record needs to match it to
// the breaker's state at admission.
struct Permit {
  bool allowed = false;
  bool probe = false;       // a half-open trial call
  uint64_t generation = 0;  // the breaker's state generation at admission
  explicit operator bool() const { return allowed; }
};

class CircuitBreaker {
 public:
  virtual ~CircuitBreaker() = default;

  virtual Permit Allow() = 0;
  // The outcome of an allowed call. `latency` is for breakers that judge slowness.
  virtual void Record(const Permit& permit, bool success, std::chrono::nanoseconds latency) = 0;
  // An allowed call ended without an outcome for the endpoint (never sent, or cancelled
  // by the caller): frees its half-open probe slot, counts nothing.
  virtual void Release(const Permit& permit) = 0;

  virtual BreakerState state() const = 0;
  // Whether Allow() might admit a call now, without taking a permit: false only while
  // definitely open (routing uses it to skip an endpoint).
  virtual bool Accepting() const = 0;
};

struct HystrixOptions {
  std::chrono::milliseconds window{10000};  // rolling statistics window
  int buckets = 10;                         // the window's granularity
  // No decision before this many calls in the window.
  int request_volume_threshold = 20;
  // Open when failures / calls * 100 >= this.
  double error_threshold_percent = 50;
  // How long an open breaker rejects everything before it lets probes through.
  std::chrono::milliseconds sleep_window{5000};
  // Probes admitted while half-open; the breaker closes when all of them succeed and
  // opens again at the first failure.
  int half_open_probes = 1;

  Status Validate() const;
};

struct SreOptions {
  std::chrono::milliseconds window{10000};
  int buckets = 20;
  // K: how many requests per accepted request are tolerated before throttling; lower is
  // more aggressive. The SRE book suggests 2.
  double k = 2.0;
  // No throttling while fewer requests than this are in the window (a single failure on
  // an idle client must not reject the next call).
  int min_requests = 10;

  Status Validate() const;
};

enum class BreakerKind { kHystrix, kSre };

// A breaker as rules name it: which algorithm, its options, and which codes count as a
// failure (the others, OK included, count as a success; CANCELLED by the caller counts
// as nothing).
struct BreakerOptions {
  BreakerKind kind = BreakerKind::kHystrix;
  HystrixOptions hystrix;
  SreOptions sre;
  CodeSet failure_codes = CodeSet::DefaultFailures();

  Status Validate() const;  // names the bad field: "hystrix.sleep_window must be positive"
};

std::unique_ptr<CircuitBreaker> NewCircuitBreaker(const BreakerOptions& options, std::string name,
                                                  BreakerListener listener = {},
                                                  const Clock& clock = Clock::Real(),
                                                  RandomFn random = DefaultRandom());

}  // namespace micro::governance

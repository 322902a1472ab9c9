// Adaptive load shedding, after go-zero's shedder: when the machine's CPU is saturated and
// more calls are in flight than the server has shown it can carry, new calls are rejected at
// once with RESOURCE_EXHAUSTED — instead of queueing until every call misses its deadline.
//
// "What the server can carry" is estimated from its own recent history, as Little's law
// gives it: max in-flight = (highest throughput seen, per second) x (lowest mean latency
// seen), over a rolling window (5 s in 50 buckets by default, the current bucket ignored).
// Shedding starts when CPU usage (an EWMA, 0..1) reaches `cpu_threshold` and in-flight calls
// exceed that estimate; it stays armed for `cool_off` after the last rejection even if CPU
// drops, so the server does not flap between shedding and drowning.
//
//   auto shed = micro::governance::ShedderInterceptor::Create({.cpu_threshold = 0.9});
//   server.Use(*shed);   // after recovery/metrics, before auth and the handler
//
// In tests, give Shedder a CpuSource you set by hand and a ManualClock:
//   FakeCpu cpu;  micro::ManualClock clock;
//   micro::governance::Shedder shedder({}, cpu, clock);
//
// Thread-safety: Allow/Pass/Fail and the getters from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <micro/core/clock.h>
#include <micro/core/result.h>
#include <micro/core/status.h>
#include <micro/server/middleware.h>

namespace micro::governance {

class GovernanceMetrics;

// How busy the CPU is: a smoothed fraction in [0, 1]. Must be thread-safe and cheap.
class CpuSource {
 public:
  virtual ~CpuSource() = default;
  virtual double Usage() const = 0;
};

struct ProcCpuOptions {
  // Sampling period of /proc/stat.
  std::chrono::milliseconds interval = std::chrono::milliseconds(250);
  // EWMA weight of the previous value per sample (go-zero: 0.95, i.e. ~5 s to settle).
  double decay = 0.95;
  Status Validate() const;
};

// The whole machine's CPU usage from /proc/stat (busy / total jiffies between samples),
// smoothed by an EWMA, sampled on its own thread. Whole-machine rather than this process:
// a neighbour eating the CPU overloads us just the same.
class ProcCpuSource final : public CpuSource {
 public:
  explicit ProcCpuSource(ProcCpuOptions options = {});
  ~ProcCpuSource() override;
  ProcCpuSource(const ProcCpuSource&) = delete;
  ProcCpuSource& operator=(const ProcCpuSource&) = delete;
  double Usage() const override { return usage_.load(std::memory_order_relaxed); }

  // One process-wide sampler, started on first use.
  static const ProcCpuSource& Shared();

 private:
  struct Sampler;
  std::atomic<double> usage_{0};
  std::unique_ptr<Sampler> sampler_;
};

struct ShedderOptions {
  double cpu_threshold = 0.9;  // (0, 1]: shed only at or above this CPU usage
  std::chrono::nanoseconds window = std::chrono::seconds(5);  // history for the estimate
  int buckets = 50;  // window slices (2 .. 1000); the current slice is not used
  std::chrono::nanoseconds cool_off = std::chrono::seconds(1);  // stay armed after a drop
  Status Validate() const;
  bool operator==(const ShedderOptions&) const = default;
};

class Shedder {
 public:
  // `cpu` and `clock` must outlive the shedder.
  Shedder(ShedderOptions options, const CpuSource& cpu, const Clock& clock = Clock::Real());
  ~Shedder();
  Shedder(const Shedder&) = delete;
  Shedder& operator=(const Shedder&) = delete;

  // An admitted call; give it back with Pass or Fail exactly once.
  struct Admission {
    Clock::time_point start;
  };
  // nullopt: shed this call.
  std::optional<Admission> Allow();
  // The call finished and counts as served throughput (its latency feeds the estimate).
  void Pass(Admission admission);
  // The call finished without useful work (timed out, rejected downstream): not counted.
  void Fail(Admission admission);

  int64_t in_flight() const { return in_flight_.load(std::memory_order_relaxed); }
  // The current estimate of how many calls may be in flight (>= 1).
  int64_t MaxInFlight() const;
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  const ShedderOptions& options() const { return options_; }

 private:
  struct Bucket;
  bool ShouldDrop(int64_t now_ns);
  int64_t Estimate(int64_t slice) const;
  void Record(int64_t now_ns, int64_t rt_ns);

  ShedderOptions options_;
  const CpuSource& cpu_;
  const Clock& clock_;
  int64_t bucket_ns_;
  std::unique_ptr<Bucket[]> buckets_;
  alignas(64) std::atomic<int64_t> in_flight_{0};
  std::atomic<int64_t> last_drop_ns_{0};  // 0: never dropped
  std::atomic<uint64_t> dropped_{0};
  mutable std::atomic<uint64_t> estimate_cache_{0};  // see MaxInFlight
};

struct ShedderInterceptorOptions {
  ShedderOptions shedder;
  // Methods never shed (health checks must answer precisely when the server is busy).
  std::vector<std::string> exempt = {"/grpc.health.v1.Health/*"};
  Status Validate() const;
};

// Sheds calls through a Shedder. A call ending DEADLINE_EXCEEDED, UNAVAILABLE or
// RESOURCE_EXHAUSTED counts as failed (not served throughput), as go-zero counts them.
class ShedderInterceptor final : public server::Interceptor {
 public:
  // With the process-wide /proc/stat sampler.
  static Result<std::shared_ptr<ShedderInterceptor>> Create(ShedderInterceptorOptions options);
  // With a given CPU source and clock (tests, or a cgroup-aware source); both must outlive
  // the interceptor.
  static Result<std::shared_ptr<ShedderInterceptor>> Create(ShedderInterceptorOptions options,
                                                            const CpuSource& cpu,
                                                            const Clock& clock);
  ~ShedderInterceptor() override;

  // Hot reload: new calls go through a new Shedder (its history starts empty); calls already
  // admitted settle with the one that admitted them. On error nothing changes.
  Status Update(ShedderInterceptorOptions options);
  // The shedder new calls go through now (for metrics: in_flight, dropped, MaxInFlight).
  std::shared_ptr<Shedder> shedder() const;
  // Counts shed calls by method (metrics.h). Once, before the first call.
  void SetMetrics(std::shared_ptr<GovernanceMetrics> metrics) { metrics_ = std::move(metrics); }

  // server::Interceptor
  Status Intercept(Context& ctx, const server::CallInfo& call, server::Next next) override;

  struct State;

 private:
  ShedderInterceptor(const CpuSource& cpu, const Clock& clock);
  const CpuSource& cpu_;
  const Clock& clock_;
  std::shared_ptr<GovernanceMetrics> metrics_;
  std::atomic<std::shared_ptr<const State>> state_;
};

}  // namespace micro::governance

// Shedder: go-zero's adaptive shedder. Throughput and latency history lives in a ring of
// buckets of atomics, each tagged with the time slice it counts; a bucket is reset by the
// first writer of a new slice. A sample racing that reset can be lost — harmless for an
// estimate, and it keeps Pass() to a few uncontended atomic adds.
#include <algorithm>
#include <limits>
#include <string>

#include <micro/governance/shedder.h>

#include "governance/common/now_ns.h"

namespace micro::governance {
namespace {

using internal::NowNs;

// With no history yet, go-zero assumes one call per bucket lasting a second.
constexpr double kDefaultMinRtSeconds = 1.0;

}  // namespace

struct Shedder::Bucket {
  std::atomic<int64_t> slice{-1};
  std::atomic<int64_t> count{0};
  std::atomic<int64_t> rt_sum_ns{0};
};

Status ShedderOptions::Validate() const {
  if (!(cpu_threshold > 0 && cpu_threshold <= 1)) {
    return Status::InvalidArgument("cpu_threshold: must be in (0, 1], got " +
                                   std::to_string(cpu_threshold));
  }
  if (buckets < 2 || buckets > 1000) {
    return Status::InvalidArgument("buckets: must be 2 .. 1000, got " + std::to_string(buckets));
  }
  if (window < std::chrono::milliseconds(buckets)) {
    return Status::InvalidArgument("window: must be at least 1ms per bucket");
  }
  if (cool_off < std::chrono::nanoseconds(0)) {
    return Status::InvalidArgument("cool_off: must be >= 0");
  }
  return Status::Ok();
}

Shedder::Shedder(ShedderOptions options, const CpuSource& cpu, const Clock& clock)
    : options_(options),
      cpu_(cpu),
      clock_(clock),
      bucket_ns_(options.window.count() / options.buckets),
      buckets_(new Bucket[options.buckets]) {}

Shedder::~Shedder() = default;

int64_t Shedder::MaxInFlight() const {
  const int64_t slice = NowNs(clock_) / bucket_ns_;
  // The estimate reads completed slices only, which no longer change: compute it once per
  // slice. Cache word: estimate (high 24 bits) | slice (low 40 bits).
  constexpr uint64_t kSliceMask = (uint64_t{1} << 40) - 1;
  const uint64_t cached = estimate_cache_.load(std::memory_order_relaxed);
  if (cached != 0 && (cached & kSliceMask) == (static_cast<uint64_t>(slice) & kSliceMask)) {
    return static_cast<int64_t>(cached >> 40);
  }
  const int64_t estimate = Estimate(slice);
  estimate_cache_.store(
      (static_cast<uint64_t>(estimate) << 40) | (static_cast<uint64_t>(slice) & kSliceMask),
      std::memory_order_relaxed);
  return estimate;
}

int64_t Shedder::Estimate(int64_t slice) const {
  int64_t max_pass = 1;
  double min_rt = kDefaultMinRtSeconds;
  bool have_rt = false;
  // Completed slices only: the current one is still filling and would understate.
  for (int64_t k = 1; k < options_.buckets; ++k) {
    const Bucket& b = buckets_[(slice - k) % options_.buckets];
    if (b.slice.load(std::memory_order_acquire) != slice - k) continue;
    const int64_t count = b.count.load(std::memory_order_relaxed);
    if (count <= 0) continue;
    max_pass = std::max(max_pass, count);
    const double rt = static_cast<double>(b.rt_sum_ns.load(std::memory_order_relaxed)) / 1e9 /
                      static_cast<double>(count);
    min_rt = have_rt ? std::min(min_rt, rt) : rt;
    have_rt = true;
  }
  const double buckets_per_second = 1e9 / static_cast<double>(bucket_ns_);
  const double estimate = static_cast<double>(max_pass) * buckets_per_second * min_rt;
  return std::clamp<int64_t>(static_cast<int64_t>(estimate), 1, (int64_t{1} << 24) - 1);
}

bool Shedder::ShouldDrop(int64_t now_ns) {
  const bool overloaded = cpu_.Usage() >= options_.cpu_threshold;
  const int64_t last_drop = last_drop_ns_.load(std::memory_order_relaxed);
  const bool hot = last_drop != 0 && now_ns - last_drop < options_.cool_off.count();
  if (!overloaded && !hot) return false;
  if (in_flight_.load(std::memory_order_relaxed) <= MaxInFlight()) return false;
  last_drop_ns_.store(now_ns, std::memory_order_relaxed);
  dropped_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

std::optional<Shedder::Admission> Shedder::Allow() {
  const Clock::time_point now = clock_.Now();
  if (ShouldDrop(
          std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count())) {
    return std::nullopt;
  }
  in_flight_.fetch_add(1, std::memory_order_relaxed);
  return Admission{now};
}

void Shedder::Record(int64_t now_ns, int64_t rt_ns) {
  const int64_t slice = now_ns / bucket_ns_;
  Bucket& b = buckets_[slice % options_.buckets];
  int64_t seen = b.slice.load(std::memory_order_acquire);
  if (seen != slice) {
    if (seen < slice && b.slice.compare_exchange_strong(seen, slice)) {
      b.count.store(0, std::memory_order_relaxed);
      b.rt_sum_ns.store(0, std::memory_order_relaxed);
    } else if (seen > slice) {
      return;  // a later slice already owns the bucket; this sample is too old to matter
    }
  }
  b.count.fetch_add(1, std::memory_order_relaxed);
  b.rt_sum_ns.fetch_add(rt_ns, std::memory_order_relaxed);
}

void Shedder::Pass(Admission admission) {
  const Clock::time_point now = clock_.Now();
  in_flight_.fetch_sub(1, std::memory_order_relaxed);
  Record(std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count(),
         std::chrono::duration_cast<std::chrono::nanoseconds>(now - admission.start).count());
}

void Shedder::Fail(Admission) { in_flight_.fetch_sub(1, std::memory_order_relaxed); }

}  // namespace micro::governance

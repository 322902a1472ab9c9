#include <algorithm>
#include <cmath>
#include <vector>

#include <micro/governance/hedging.h>

namespace micro::governance {

void LatencyWindow::Record(std::chrono::nanoseconds latency) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(latency).count();
  auto clamped = static_cast<uint32_t>(std::clamp<int64_t>(us, 0, UINT32_MAX));
  uint64_t n = count_.fetch_add(1, std::memory_order_relaxed);
  micros_[n % kSize].store(clamped, std::memory_order_relaxed);
  // Until the window is full every record recomputes (cheap while small, and exact from
  // min_samples on); then every kRecomputeEvery-th.
  if (n + 1 <= kSize || (n + 1) % kRecomputeEvery == 0) Recompute(n + 1);
}

std::optional<std::chrono::nanoseconds> LatencyWindow::Percentile(int min_samples) const {
  if (count() < static_cast<uint64_t>(std::max(min_samples, 1))) return std::nullopt;
  int64_t ns = cached_ns_.load(std::memory_order_relaxed);
  if (ns < 0) return std::nullopt;
  return std::chrono::nanoseconds(ns);
}

void LatencyWindow::Recompute(uint64_t count) {
  // Racing writers may leave a slot or two of the copy a record behind: a percentile of a
  // sliding window does not need better.
  size_t n = static_cast<size_t>(std::min<uint64_t>(count, kSize));
  std::vector<uint32_t> copy(n);
  for (size_t i = 0; i < n; ++i) copy[i] = micros_[i].load(std::memory_order_relaxed);
  size_t rank = static_cast<size_t>(std::ceil(percentile_ / 100.0 * static_cast<double>(n)));
  rank = std::clamp<size_t>(rank, 1, n) - 1;
  std::nth_element(copy.begin(), copy.begin() + static_cast<std::ptrdiff_t>(rank), copy.end());
  cached_ns_.store(static_cast<int64_t>(copy[rank]) * 1000, std::memory_order_relaxed);
}

}  // namespace micro::governance

// FastRand: the random source of selectors and route filters. Internal to libmicro.
//
// Seeded (seed != 0): one splitmix64 sequence shared by all threads through an atomic
// counter, so a single-threaded test sees the same picks on every run. Unseeded: a
// per-thread generator, so concurrent callers share no cache line.
#pragma once

#include <atomic>
#include <cstdint>
#include <random>

namespace micro::selector {

class FastRand {
 public:
  explicit FastRand(uint64_t seed) : seeded_(seed != 0), state_(seed) {}

  uint64_t Next() {
    if (seeded_) return Mix(state_.fetch_add(kGamma, std::memory_order_relaxed) + kGamma);
    thread_local uint64_t local = std::random_device{}() * 0x2545F4914F6CDD1DULL + 1;
    local += kGamma;
    return Mix(local);
  }
  // Uniform in [0, n), n > 0 (Lemire's multiply-shift; bias < n / 2^64).
  uint64_t Below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
  }

 private:
  static constexpr uint64_t kGamma = 0x9E3779B97F4A7C15ULL;
  static uint64_t Mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

  bool seeded_;
  std::atomic<uint64_t> state_;
};

}  // namespace micro::selector

// Randomness for governance policies (backoff jitter, probabilistic throttling), as an
// injectable function so that tests fix the sequence:
//
//   RetryPolicy policy(options, micro::governance::SeededRandom(42));
//
// A RandomFn returns a double uniformly distributed in [0, 1). Policies may call it from
// several threads at once: every RandomFn must be thread-safe (both below are).
#pragma once

#include <cstdint>
#include <functional>

namespace micro::governance {

using RandomFn = std::function<double()>;

// A fast generator with one state per thread, seeded from std::random_device.
RandomFn DefaultRandom();
// A deterministic sequence for tests: one generator behind a mutex.
RandomFn SeededRandom(uint64_t seed);

}  // namespace micro::governance

// A Clock's now as integer nanoseconds: what the lock-free limiters and the shedder keep
// in their atomic words.
#pragma once

#include <chrono>
#include <cstdint>

#include <micro/core/clock.h>

namespace micro::governance::internal {

inline int64_t NowNs(const Clock& clock) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clock.Now().time_since_epoch())
      .count();
}

}  // namespace micro::governance::internal

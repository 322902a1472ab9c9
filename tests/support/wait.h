// Waiting on events in tests, never on sleeps: poll a condition until it holds or a
// deadline passes.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace micro::testing {

// True as soon as `condition` holds; false when `timeout` passed first. Polls every 5 ms.
inline bool WaitFor(const std::function<bool()>& condition,
                    std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace micro::testing

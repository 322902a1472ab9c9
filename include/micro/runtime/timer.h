// Timer: runs short callbacks after a delay on one shared background thread. Async
// policies use it to wait without blocking anyone — a retry's backoff, a hedge's delay:
//
//   micro::runtime::Timer& timer = micro::runtime::Timer::Shared();
//   auto id = timer.After(std::chrono::milliseconds(50), [] { ...send the retry... });
//   timer.Cancel(id);   // true: it had not started and never will
//
// Callbacks run one at a time on the timer's thread, so they must be short and must not
// block (hand longer work to a ThreadPool). After, Cancel and Shutdown are thread-safe and
// may be called from a callback. Time is the real steady clock: a timer waits, so it
// cannot run on a ManualClock.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace micro::runtime {

class Timer {
 public:
  using Id = uint64_t;  // 0 is never a valid id
  using Task = std::function<void()>;

  Timer();
  // Shutdown().
  ~Timer();
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  // Runs `task` once, `delay` from now (at once when delay <= 0, still on the timer
  // thread). Returns 0 and drops the task after Shutdown().
  Id After(std::chrono::steady_clock::duration delay, Task task);
  // Two-step form of After for owners that must know the id before the task can run
  // (so that a concurrent Cancel always finds it): Reserve() an id, then Schedule() the
  // task under it. Schedule returns false, dropping the task, when the id was cancelled in
  // between or the timer shut down.
  Id Reserve();
  bool Schedule(Id id, std::chrono::steady_clock::duration delay, Task task);
  // True when the task had not started (or its reserved id was not scheduled yet): it is
  // destroyed and will never run. False when it already ran, is running now, or the id is
  // unknown (Cancel does not wait for a running task).
  bool Cancel(Id id);
  // Stops the thread. Tasks not yet due are destroyed without running (their owners see
  // their destructors run, which is how a retry learns it will not happen); the task that
  // is running finishes first. Idempotent; must not be called from a task.
  void Shutdown();

  size_t pending() const;

  // The process-wide timer; lives until exit.
  static Timer& Shared();

 private:
  using Key = std::pair<std::chrono::steady_clock::time_point, Id>;
  void Loop();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<Key, Task> tasks_;
  std::unordered_map<Id, std::chrono::steady_clock::time_point> due_;
  std::unordered_set<Id> reserved_;  // reserved, not yet scheduled
  Id next_id_ = 1;
  bool stopping_ = false;
  std::once_flag shutdown_once_;
  std::thread thread_;
};

}  // namespace micro::runtime

// StopSignal: waits for SIGTERM/SIGINT or a programmatic Stop(), without polling.
// Construct it on the main thread before other threads start: it blocks the two signals
// in this thread (threads started later inherit the mask) and reads them from a signalfd.
#pragma once

namespace micro::service_internal {

class StopSignal {
 public:
  explicit StopSignal(bool handle_signals);
  ~StopSignal();
  StopSignal(const StopSignal&) = delete;
  StopSignal& operator=(const StopSignal&) = delete;

  // Blocks until a signal arrives or Notify() is called. Returns the signal number, or 0.
  int Wait();
  // Async-signal-safe and thread-safe.
  void Notify();

 private:
  int signal_fd_ = -1;
  int event_fd_ = -1;
};

}  // namespace micro::service_internal

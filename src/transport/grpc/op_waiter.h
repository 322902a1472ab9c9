// OpWaiter: lets a thread that is not polling a completion queue wait for one operation
// it started there. The poller reports the outcome with Complete(); the starter blocks in
// Wait(). Used by the blocking ServerStream of streaming handlers.
#pragma once

#include <atomic>

namespace micro::transport::grpc_transport {

class OpWaiter {
 public:
  // Before starting the operation.
  void Arm() { state_.store(kPending, std::memory_order_relaxed); }
  // Poller thread.
  void Complete(bool ok) {
    state_.store(ok ? kOk : kFailed, std::memory_order_release);
    state_.notify_one();
  }
  // The operation's `ok`.
  bool Wait() {
    state_.wait(kPending, std::memory_order_acquire);
    return state_.load(std::memory_order_acquire) == kOk;
  }

 private:
  enum : int { kPending, kOk, kFailed };
  std::atomic<int> state_{kPending};
};

}  // namespace micro::transport::grpc_transport

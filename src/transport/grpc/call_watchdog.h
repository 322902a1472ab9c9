// CallWatchdog: enforces the deadline and the cancellation of every outgoing gRPC call
// of a client transport from one thread, instead of a timer and a cancel callback per
// call.
//
// Why: client channels run gRPC's minimal filter stack, which has no deadline filter. The
// deadline still travels to the server (grpc-timeout), but the client must end the call
// itself. gRPC's per-call deadline timer plus a per-call cancel callback cost ~5,000
// instructions of a ~50,000-instruction call (bench/rpc/callgrind.sh); registering in an
// intrusive list costs a lock and four pointer writes.
//
// The watchdog sleeps until the earliest deadline in flight (re-woken when a call with an
// earlier one arrives), and while calls are in flight it also looks every
// kCancelPollInterval for calls whose Context was cancelled. So deadlines fire on time and
// cancellation is seen within that interval.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <grpcpp/client_context.h>

#include <micro/core/context.h>

namespace micro::transport::grpc_transport {

class CallWatchdog {
 public:
  static constexpr std::chrono::milliseconds kCancelPollInterval{10};

  // One watched call; lives inside the call's own state, between Watch and Unwatch.
  struct Entry {
    grpc::ClientContext* call = nullptr;
    Context::Clock::time_point deadline = Context::Clock::time_point::max();
    Context::CancelObserver cancellation;
    bool expired = false;  // the watchdog ended the call at its deadline
    bool ended = false;    // the watchdog cancelled the call (deadline or Context)
    Entry* prev = nullptr;
    Entry* next = nullptr;
  };

  CallWatchdog();
  ~CallWatchdog();
  CallWatchdog(const CallWatchdog&) = delete;
  CallWatchdog& operator=(const CallWatchdog&) = delete;

  // Starts watching `call` for `ctx`'s deadline and cancellation.
  void Watch(Entry* entry, const Context& ctx, grpc::ClientContext* call);
  // Stops watching, before `call` is destroyed. Returns whether the watchdog ended the call
  // because its deadline passed (the caller reports DEADLINE_EXCEEDED then, not the
  // CANCELLED gRPC says).
  bool Unwatch(Entry* entry);
  // Cancels every call in flight (transport shutdown).
  void CancelAll();

 private:
  void Loop();

  std::mutex mu_;
  std::condition_variable wake_;
  Entry* head_ = nullptr;
  // When the loop will look next; a call due earlier wakes it.
  Context::Clock::time_point next_check_ = Context::Clock::time_point::max();
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace micro::transport::grpc_transport

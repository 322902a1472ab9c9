// DeadlineAlarm: cancels a server call when its deadline passes, as gRPC's server
// deadline filter does. Only used when that filter is off (minimal_stack=1). The alarm's
// tag always comes back — fired (ok) or disarmed (not ok) — so its owner must wait for
// the tag before reusing or freeing the call. Poller thread only.
#pragma once

#include <optional>

#include <grpc/grpc.h>
#include <grpcpp/alarm.h>
#include <grpcpp/completion_queue.h>
#include <grpcpp/server_context.h>

namespace micro::transport::grpc_transport {

class DeadlineAlarm {
 public:
  // Arms the alarm when `call` has a deadline. True when a tag is now pending.
  bool Arm(const grpc::ServerContext& call, grpc::CompletionQueue* cq, void* tag) {
    gpr_timespec deadline = call.raw_deadline();
    if (deadline.tv_sec == INT64_MAX) return false;
    alarm_.emplace();
    alarm_->Set(cq, deadline, tag);
    return true;
  }
  // The alarm fired: ends the call with DEADLINE_EXCEEDED, as the deadline filter does
  // (a plain TryCancel would tell the client CANCELLED). Thread-safe in gRPC.
  static void Expire(grpc::ServerContext& call) {
    grpc_call_cancel_with_status(call.c_call(), GRPC_STATUS_DEADLINE_EXCEEDED, "Deadline Exceeded",
                                 nullptr);
  }
  // The call finished first: the pending tag comes back at once.
  void Disarm() {
    if (alarm_) alarm_->Cancel();
  }

 private:
  std::optional<grpc::Alarm> alarm_;
};

}  // namespace micro::transport::grpc_transport

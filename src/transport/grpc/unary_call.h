// UnaryCall: the state machine of one call of a registered unary method.
//
//   requested --(call + request bytes arrive)--> parse, build Context
//     --> Server::RunOn: inline on the poller thread (kNonBlocking) or on a worker
//     --> Invoke (middleware + handler) --> Finish --(finish event [+ done event])--> reused
//
// Cancellation is watched (AsyncNotifyWhenDone) only for kBlocking methods: a
// kNonBlocking handler runs to completion inside one event, so nothing could observe it,
// and the extra event per call is the cost the fast path avoids.
#pragma once

#include <memory>
#include <optional>

#include <google/protobuf/message.h>
#include <grpcpp/server_context.h>
#include <grpcpp/support/byte_buffer.h>

#include <micro/core/context.h>
#include <micro/server/method.h>
#include <micro/server/server.h>

#include "transport/grpc/deadline_alarm.h"
#include "transport/grpc/method_service.h"
#include "transport/grpc/server_call.h"

namespace micro::transport::grpc_transport {

class ServerCore;
struct Poller;

class UnaryCall final : public ServerCall {
 public:
  UnaryCall(ServerCore* core, Poller* poller, size_t index);

  // Asks gRPC for the next call of this method. Poller thread (or before it starts).
  void Request();
  // Drops what the last call left behind, before the object is reused.
  void Reset();

  void OnEvent(uint8_t op, bool ok) override;

 private:
  enum Op : uint8_t { kRequested, kFinished, kDone, kDeadline };

  void OnRequested();
  void Run();  // where the method's Execution says
  void FinishWithError(const Status& status);
  void MaybeRecycle();

  ServerCore* const core_;
  Poller* const poller_;
  const size_t index_;
  const server::Method& method_;

  std::optional<grpc::ServerContext> call_;
  std::optional<UnaryWriter> writer_;
  grpc::ByteBuffer request_bytes_;
  std::unique_ptr<google::protobuf::Message> request_;
  std::unique_ptr<google::protobuf::Message> response_;
  std::optional<Context> ctx_;
  std::optional<server::Server::CallGuard> guard_;

  DeadlineAlarm alarm_;  // only when the core self-enforces deadlines

  bool watch_done_ = false;
  bool finished_ = false;
  bool done_ = false;
  bool alarm_pending_ = false;
  bool big_ = false;  // the last call's messages were large: do not keep their memory

  Tag requested_tag_{this, kRequested};
  Tag finished_tag_{this, kFinished};
  Tag done_tag_{this, kDone};
  Tag deadline_tag_{this, kDeadline};
};

}  // namespace micro::transport::grpc_transport

// GenericCall: the state machine of a call that reached gRPC's AsyncGenericService —
// every streaming method, a unary method called by its short path ("/Echo/Unary"), and
// unknown paths (UNIMPLEMENTED).
//
//   requested --(call arrives)--> Server::Find(path)
//     unknown   --> Finish(UNIMPLEMENTED)
//     unary     --> Read --> parse --> Server::RunOn --> Invoke --> WriteAndFinish
//     streaming --> worker: Invoke(handler, this as ServerStream) --> Finish
//   every path ends with the finish event and the done event, then the object is deleted.
//
// A streaming handler runs on a worker thread; its Read/Write start one async operation
// and block until the poller reports it (one read and one write may be outstanding at
// once, as gRPC allows).
#pragma once

#include <memory>
#include <mutex>
#include <optional>

#include <google/protobuf/message.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/support/byte_buffer.h>

#include <micro/core/context.h>
#include <micro/server/method.h>
#include <micro/server/server.h>

#include "transport/grpc/deadline_alarm.h"
#include "transport/grpc/op_waiter.h"
#include "transport/grpc/server_call.h"

namespace micro::transport::grpc_transport {

class ServerCore;
struct Poller;

class GenericCall final : public ServerCall, private server::ServerStream {
 public:
  GenericCall(ServerCore* core, Poller* poller);

  void Request();
  void OnEvent(uint8_t op, bool ok) override;

 private:
  enum Op : uint8_t { kRequested, kRead, kWritten, kFinished, kDone, kDeadline };

  // server::ServerStream, used by the handler's thread(s).
  bool Read(google::protobuf::Message* message) override;
  bool Write(const google::protobuf::Message& message) override;

  void OnRequested();
  void OnUnaryRead(bool ok);
  void RunUnary();
  void RunStream();
  void Finish(const Status& status);
  void MaybeRetire();

  ServerCore* const core_;
  Poller* const poller_;
  grpc::GenericServerContext call_;
  grpc::GenericServerAsyncReaderWriter stream_{&call_};
  const server::Method* method_ = nullptr;
  std::optional<Context> ctx_;
  std::optional<server::Server::CallGuard> guard_;

  grpc::ByteBuffer in_;
  // Unary only.
  std::unique_ptr<google::protobuf::Message> request_;
  std::unique_ptr<google::protobuf::Message> response_;
  grpc::ByteBuffer out_;
  // Streaming only: the handler's side of the stream.
  OpWaiter read_op_;
  OpWaiter write_op_;
  bool read_closed_ = false;   // reader thread
  bool write_closed_ = false;  // writer thread
  std::mutex error_mu_;
  Status stream_error_;  // a message that did not parse; overrides the handler's status

  DeadlineAlarm alarm_;  // only when the core self-enforces deadlines

  bool streaming_ = false;
  bool finished_ = false;
  bool done_ = false;
  bool alarm_pending_ = false;

  Tag requested_tag_{this, kRequested};
  Tag read_tag_{this, kRead};
  Tag written_tag_{this, kWritten};
  Tag finished_tag_{this, kFinished};
  Tag done_tag_{this, kDone};
  Tag deadline_tag_{this, kDeadline};
};

}  // namespace micro::transport::grpc_transport

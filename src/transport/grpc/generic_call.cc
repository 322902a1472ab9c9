#include "transport/grpc/generic_call.h"

#include <string>

#include <grpc/grpc.h>

#include "transport/grpc/codec.h"
#include "transport/grpc/server_context.h"
#include "transport/grpc/server_core.h"
#include "transport/grpc/status.h"
#include "transport/grpc/tsan_handoff.h"

namespace micro::transport::grpc_transport {

GenericCall::GenericCall(ServerCore* core, Poller* poller) : core_(core), poller_(poller) {}

void GenericCall::Request() {
  call_.AsyncNotifyWhenDone(&done_tag_);
  grpc::AsyncGenericService& generic = core_->generic();
  grpc::ServerCompletionQueue* cq = poller_->cq.get();
  HandOff(this);
  generic.RequestCall(&call_, &stream_, cq, cq, &requested_tag_);
}

void GenericCall::OnEvent(uint8_t op, bool ok) {
  switch (op) {
    case kRequested:
      if (!ok) {  // the server is shutting down; this call never started
        core_->Retire(this);
        return;
      }
      Received();
      OnRequested();
      return;
    case kRead:
      if (ok) Received();
      if (streaming_) {
        // A read fails at the end of the input or because the call broke; only in the
        // second case must the handler see its Context cancelled — before Read returns,
        // not when the done event arrives later.
        if (!ok && grpc_call_failed_before_recv_message(call_.c_call())) ctx_->Cancel();
        read_op_.Complete(ok);
      } else {
        OnUnaryRead(ok);
      }
      return;
    case kWritten:
      if (!ok) ctx_->Cancel();  // a write fails only when the call is gone
      write_op_.Complete(ok);
      return;
    case kFinished:
      finished_ = true;
      if (alarm_pending_) alarm_.Disarm();
      MaybeRetire();
      return;
    case kDeadline:
      alarm_pending_ = false;
      if (ok && !finished_) DeadlineAlarm::Expire(call_);  // the done event cancels ctx_
      MaybeRetire();
      return;
    case kDone:
      done_ = true;
      if (ctx_ && call_.IsCancelled()) ctx_->Cancel();
      MaybeRetire();
      return;
  }
}

void GenericCall::OnRequested() {
  core_->RequestGeneric(*poller_);
  guard_.emplace(&core_->server());

  method_ = core_->server().Find(call_.method());
  if (method_ == nullptr) {
    Finish(Status::Unimplemented("unknown method " + call_.method()));
    return;
  }
  ctx_.emplace();
  FillContext(call_, &*ctx_);
  if (core_->self_enforce()) {
    alarm_pending_ = alarm_.Arm(call_, poller_->cq.get(), &deadline_tag_);
  }
  if (method_->kind == server::MethodKind::kUnary) {
    HandOff(this);
    stream_.Read(&in_, &read_tag_);
    return;
  }
  // Streaming handlers block on their stream, so they always run on the worker pool.
  streaming_ = true;
  if (!core_->server().workers().Post([this] { RunStream(); })) {
    Finish(Status::Unavailable("server is shutting down"));
  }
}

void GenericCall::OnUnaryRead(bool ok) {
  if (!ok) {
    Finish(Status::InvalidArgument("the call carried no request message"));
    return;
  }
  if (Status size = core_->CheckSize(in_); !size.ok()) {
    Finish(size);
    return;
  }
  request_.reset(method_->request_prototype->New());
  if (!ParseMessage(&in_, request_.get())) {
    Finish(Status::InvalidArgument("request is not a valid " +
                                   request_->GetDescriptor()->full_name()));
    return;
  }
  response_.reset(method_->response_prototype->New());
  if (!core_->server().RunOn(*method_, [this] { RunUnary(); })) {
    Finish(Status::Unavailable("server is shutting down"));
  }
}

void GenericCall::RunUnary() {
  Status status = core_->server().Invoke(
      *ctx_, server::CallInfo{*method_, "grpc", request_.get(), response_.get(), nullptr});
  if (!status.ok()) {
    Finish(status);
    return;
  }
  if (!SerializeMessage(*response_, &out_)) {
    Finish(Status::Internal("response could not be serialized"));
    return;
  }
  Sent();
  HandOff(this);
  stream_.WriteAndFinish(out_, grpc::WriteOptions(), grpc::Status::OK, &finished_tag_);
}

void GenericCall::RunStream() {
  Status status =
      core_->server().Invoke(*ctx_, server::CallInfo{*method_, "grpc", nullptr, nullptr, this});
  {
    std::lock_guard lock(error_mu_);
    if (!stream_error_.ok()) status = stream_error_;
  }
  Finish(status);
}

bool GenericCall::Read(google::protobuf::Message* message) {
  if (read_closed_) return false;
  read_op_.Arm();
  HandOff(this);
  stream_.Read(&in_, &read_tag_);
  if (!read_op_.Wait()) {
    read_closed_ = true;
    return false;
  }
  Status error = core_->CheckSize(in_);
  if (error.ok() && !ParseMessage(&in_, message)) {
    error =
        Status::InvalidArgument("request is not a valid " + message->GetDescriptor()->full_name());
  }
  if (!error.ok()) {
    read_closed_ = true;
    std::lock_guard lock(error_mu_);
    stream_error_ = std::move(error);
    return false;
  }
  return true;
}

bool GenericCall::Write(const google::protobuf::Message& message) {
  if (write_closed_) return false;
  grpc::ByteBuffer bytes;
  if (!SerializeMessage(message, &bytes)) {
    write_closed_ = true;
    return false;
  }
  write_op_.Arm();
  Sent();
  HandOff(this);
  stream_.Write(bytes, &written_tag_);
  if (!write_op_.Wait()) {
    write_closed_ = true;
    return false;
  }
  return true;
}

void GenericCall::Finish(const Status& status) {
  // Once the operation is started the poller may delete this object: touch nothing after,
  // and read nothing of it after HandOff (tsan_handoff.h).
  grpc::Status grpc_status = ToGrpcStatus(status);
  Sent();
  HandOff(this);
  stream_.Finish(grpc_status, &finished_tag_);
}

void GenericCall::MaybeRetire() {
  if (!finished_ || !done_ || alarm_pending_) return;
  guard_.reset();
  core_->Retire(this);
}

}  // namespace micro::transport::grpc_transport

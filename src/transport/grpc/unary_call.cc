#include "transport/grpc/unary_call.h"

#include <string>

#include "transport/grpc/codec.h"
#include "transport/grpc/server_context.h"
#include "transport/grpc/server_core.h"
#include "transport/grpc/status.h"
#include "transport/grpc/tsan_handoff.h"

namespace micro::transport::grpc_transport {

namespace {

// Messages that grew past this are freed after the call instead of being kept (cleared)
// for the next one, so one large request does not pin its memory forever.
constexpr size_t kKeepBytes = 64 << 10;

}  // namespace

UnaryCall::UnaryCall(ServerCore* core, Poller* poller, size_t index)
    : core_(core), poller_(poller), index_(index), method_(core->methods().method(index)) {
  request_.reset(method_.request_prototype->New());
  response_.reset(method_.response_prototype->New());
}

void UnaryCall::Request() {
  call_.emplace();
  writer_.emplace(&*call_);
  watch_done_ = method_.execution == server::Execution::kBlocking;
  if (watch_done_) call_->AsyncNotifyWhenDone(&done_tag_);
  // Every argument is read before HandOff (tsan_handoff.h).
  MethodService& methods = core_->methods();
  const size_t index = index_;
  grpc::ServerContext* call = &*call_;
  UnaryWriter* writer = &*writer_;
  grpc::ServerCompletionQueue* cq = poller_->cq.get();
  HandOff(this);
  methods.RequestCall(index, call, &request_bytes_, writer, cq, &requested_tag_);
}

void UnaryCall::Reset() {
  ctx_.reset();  // first: its peer may still be read from call_
  writer_.reset();
  call_.reset();
  request_bytes_.Clear();
  // The cached size was set when Finish serialized the response.
  if (big_ || static_cast<size_t>(response_->GetCachedSize()) > kKeepBytes) {
    request_.reset(method_.request_prototype->New());
    response_.reset(method_.response_prototype->New());
    big_ = false;
  } else {
    request_->Clear();
    response_->Clear();
  }
  finished_ = done_ = false;
}

void UnaryCall::OnEvent(uint8_t op, bool ok) {
  switch (op) {
    case kRequested:
      if (!ok) {  // the server is shutting down; this call never started
        core_->Retire(this);
        return;
      }
      Received();
      OnRequested();
      return;
    case kFinished:
      finished_ = true;
      if (alarm_pending_) alarm_.Disarm();
      MaybeRecycle();
      return;
    case kDeadline:
      alarm_pending_ = false;
      if (ok && !finished_) DeadlineAlarm::Expire(*call_);  // the done event cancels ctx_
      MaybeRecycle();
      return;
    case kDone:
      done_ = true;
      if (ctx_ && call_->IsCancelled()) ctx_->Cancel();
      MaybeRecycle();
      return;
  }
}

void UnaryCall::OnRequested() {
  core_->RequestUnary(*poller_, index_);
  guard_.emplace(&core_->server());

  size_t request_size = request_bytes_.Length();
  big_ = request_size > kKeepBytes;
  if (Status size = core_->CheckSize(request_bytes_); !size.ok()) {
    FinishWithError(size);
    return;
  }
  if (!ParseMessage(&request_bytes_, request_.get())) {
    FinishWithError(Status::InvalidArgument("request is not a valid " +
                                            request_->GetDescriptor()->full_name()));
    return;
  }
  ctx_.emplace();
  FillContext(*call_, &*ctx_);
  // A kNonBlocking handler finishes within this event: no deadline can interrupt it.
  if (core_->self_enforce() && watch_done_) {
    alarm_pending_ = alarm_.Arm(*call_, poller_->cq.get(), &deadline_tag_);
  }
  if (!core_->server().RunOn(method_, [this] { Run(); })) {
    FinishWithError(Status::Unavailable("server is shutting down"));
  }
}

void UnaryCall::Run() {
  Status status = core_->server().Invoke(
      *ctx_, server::CallInfo{method_, "grpc", request_.get(), response_.get(), nullptr});
  if (!status.ok()) {
    FinishWithError(status);
    return;
  }
  // Finish serializes the response before it returns; once the operation is started
  // the poller may reuse or free this object. The members it takes are read before
  // HandOff: read as Finish's arguments, after it, they would race with that.
  UnaryWriter& writer = *writer_;
  const google::protobuf::Message& response = *response_;
  Sent();
  HandOff(this);
  writer.Finish(response, grpc::Status::OK, &finished_tag_);
}

void UnaryCall::FinishWithError(const Status& status) {
  UnaryWriter& writer = *writer_;
  grpc::Status grpc_status = ToGrpcStatus(status);
  Sent();
  HandOff(this);
  writer.FinishWithError(grpc_status, &finished_tag_);
}

void UnaryCall::MaybeRecycle() {
  if (!finished_ || (watch_done_ && !done_) || alarm_pending_) return;
  guard_.reset();
  core_->Recycle(*poller_, index_, this);
}

}  // namespace micro::transport::grpc_transport

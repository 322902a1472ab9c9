#include "transport/grpc/client_stream.h"

#include "transport/grpc/codec.h"
#include "transport/grpc/status.h"
#include "transport/grpc/tsan_handoff.h"

namespace micro::transport::grpc_transport {

GrpcClientStream::GrpcClientStream(Context& ctx, ChannelEntry& channel, CallWatchdog& watchdog,
                                   std::string address, const std::string& method_path)
    : watchdog_(watchdog), address_(std::move(address)) {
  PrepareClientContext(ctx, &call_);
  watchdog_.Watch(&watch_, ctx, &call_);
  grpc::internal::RpcMethod method(method_path.c_str(), grpc::internal::RpcMethod::BIDI_STREAMING);
  Sent();
  stream_.reset(
      grpc::internal::ClientReaderWriterFactory<grpc::ByteBuffer, grpc::ByteBuffer>::Create(
          channel.channel(), method, &call_));
}

GrpcClientStream::~GrpcClientStream() {
  if (!finished_) {
    call_.TryCancel();
    (void)stream_->Finish();
  }
  if (watched_) watchdog_.Unwatch(&watch_);
}

bool GrpcClientStream::Write(const google::protobuf::Message& message) {
  grpc::ByteBuffer bytes;
  if (!SerializeMessage(message, &bytes)) return false;
  Sent();
  return stream_->Write(bytes);
}

bool GrpcClientStream::WritesDone() {
  Sent();
  return stream_->WritesDone();
}

bool GrpcClientStream::Read(google::protobuf::Message* message) {
  grpc::ByteBuffer bytes;
  if (!stream_->Read(&bytes)) return false;
  Received();
  if (ParseMessage(&bytes, message)) return true;
  {
    std::lock_guard lock(mu_);
    read_error_ = Status::Internal("response from " + address_ + " is not a valid " +
                                   message->GetDescriptor()->full_name());
  }
  call_.TryCancel();
  return false;
}

Status GrpcClientStream::Finish() {
  if (finished_) return Status::FailedPrecondition("stream already finished");
  finished_ = true;
  grpc::Status status = stream_->Finish();
  Received();
  watched_ = false;
  bool expired = watchdog_.Unwatch(&watch_);
  std::lock_guard lock(mu_);
  if (!read_error_.ok()) return read_error_;
  if (expired) return DeadlineStatus(address_);
  return FromGrpcStatus(status, address_);
}

}  // namespace micro::transport::grpc_transport

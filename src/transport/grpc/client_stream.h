// GrpcClientStream: the client side of a streaming call of any kind, over gRPC's
// synchronous streaming API (every method blocks the calling thread). gRPC does not tell
// the kinds apart on the wire, so one bidirectional call serves all three.
// One writer thread and one reader thread may use it at once.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include <google/protobuf/message.h>
#include <grpcpp/client_context.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/sync_stream.h>

#include <micro/client/client.h>
#include <micro/core/context.h>

#include "transport/grpc/call_watchdog.h"
#include "transport/grpc/channel_cache.h"
#include "transport/grpc/client_context.h"

namespace micro::transport::grpc_transport {

class GrpcClientStream final : public client::ClientStream {
 public:
  // The stream must end before the transport that owns `watchdog`.
  GrpcClientStream(Context& ctx, ChannelEntry& channel, CallWatchdog& watchdog, std::string address,
                   const std::string& method_path);
  // Cancels the call if Finish() was not called.
  ~GrpcClientStream() override;

  // client::ClientStream
  bool Write(const google::protobuf::Message& message) override;
  bool WritesDone() override;
  bool Read(google::protobuf::Message* message) override;
  Status Finish() override;

 private:
  grpc::ClientContext call_;
  CallWatchdog& watchdog_;
  CallWatchdog::Entry watch_;
  bool watched_ = true;
  std::string address_;
  std::unique_ptr<grpc::ClientReaderWriter<grpc::ByteBuffer, grpc::ByteBuffer>> stream_;
  std::mutex mu_;
  Status read_error_;  // a response that did not parse
  bool finished_ = false;
};

}  // namespace micro::transport::grpc_transport

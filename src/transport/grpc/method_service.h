// The unary methods of a micro Server, registered with gRPC as async methods.
//
// Registered methods are gRPC's fast path: the core matches the path without a string
// lookup and delivers the request message together with the new call, which saves a
// completion-queue round trip per call compared with the generic service. Requests arrive
// as raw bytes, so that a payload that does not parse can be answered INVALID_ARGUMENT
// (gRPC itself would answer INTERNAL). Streaming methods, short-form paths and unknown
// paths go through the AsyncGenericService instead (generic_call.h).
#pragma once

#include <deque>
#include <string>
#include <vector>

#include <google/protobuf/message.h>
#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/impl/service_type.h>
#include <grpcpp/server_context.h>
#include <grpcpp/support/async_unary_call.h>
#include <grpcpp/support/byte_buffer.h>

#include <micro/server/method.h>
#include <micro/server/server.h>

namespace micro::transport::grpc_transport {

using UnaryWriter = grpc::ServerAsyncResponseWriter<google::protobuf::Message>;

class MethodService final : public grpc::Service {
 public:
  explicit MethodService(const server::Server& server);

  size_t size() const { return methods_.size(); }
  const server::Method& method(size_t index) const { return *methods_[index]; }

  // Asks gRPC for the next call of method `index`; `tag` completes on `cq` when one
  // arrives (ok) or the server shuts down (not ok). Any thread.
  void RequestCall(size_t index, grpc::ServerContext* ctx, grpc::ByteBuffer* request,
                   UnaryWriter* writer, grpc::ServerCompletionQueue* cq, void* tag) {
    RequestAsyncUnary(static_cast<int>(index), ctx, request, writer, cq, cq, tag);
  }

 private:
  std::vector<const server::Method*> methods_;
  std::deque<std::string> paths_;  // gRPC keeps a pointer to each method's name
};

}  // namespace micro::transport::grpc_transport

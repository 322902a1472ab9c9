// What a gRPC server call tells a handler's micro::Context: its deadline (moved onto the
// steady clock), the client's metadata, W3C trace context and the peer's address.
#pragma once

#include <grpcpp/server_context.h>

#include <micro/core/context.h>

namespace micro::transport::grpc_transport {

// Call on the thread that owns the call, after the call has been accepted.
void FillContext(const grpc::ServerContext& call, Context* ctx);

}  // namespace micro::transport::grpc_transport

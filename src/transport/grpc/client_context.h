// What an outgoing gRPC call takes from the caller's micro::Context: the deadline (sent as
// grpc-timeout; CallWatchdog enforces it), the forwardable metadata and the trace context.
#pragma once

#include <grpcpp/client_context.h>

#include <micro/core/context.h>

namespace micro::transport::grpc_transport {

// Sets `call`'s deadline and initial metadata from `ctx`. Hop-by-hop keys are not
// forwarded; keys or values gRPC would reject (which would abort the process inside
// gRPC) are skipped.
void PrepareClientContext(const Context& ctx, grpc::ClientContext* call);

}  // namespace micro::transport::grpc_transport

// micro::Status <-> grpc::Status. The codes are the same numbers, so the mapping is 1:1;
// only the text is adjusted (see status.cc).
#pragma once

#include <string_view>

#include <grpcpp/support/status.h>

#include <micro/core/status.h>

namespace micro::transport::grpc_transport {

grpc::Status ToGrpcStatus(const Status& status);
// `address` (the peer dialed) prefixes the message of UNAVAILABLE, so that a caller can
// tell which node was down.
Status FromGrpcStatus(const grpc::Status& status, std::string_view address);
// A call the client ended at its deadline (CallWatchdog).
Status DeadlineStatus(std::string_view address);

}  // namespace micro::transport::grpc_transport

#include "transport/grpc/status.h"

#include <string>

namespace micro::transport::grpc_transport {

namespace {

// Status text travels in the grpc-message trailer; gRPC clients commonly cap a header
// block at 8 KiB and fail the whole call when it is bigger, so a long message is cut.
constexpr size_t kMaxMessageBytes = 4096;

}  // namespace

grpc::Status ToGrpcStatus(const Status& status) {
  if (status.ok()) return grpc::Status::OK;
  auto code = static_cast<grpc::StatusCode>(status.code());
  if (status.message().size() <= kMaxMessageBytes) {
    return grpc::Status(code, status.message(), status.details());
  }
  return grpc::Status(code, status.message().substr(0, kMaxMessageBytes) + "...", status.details());
}

Status FromGrpcStatus(const grpc::Status& status, std::string_view address) {
  if (status.ok()) return Status();
  auto code = static_cast<StatusCode>(status.error_code());
  if (code == StatusCode::kUnavailable) {
    std::string message;
    message.reserve(address.size() + 2 + status.error_message().size());
    message.append(address).append(": ").append(status.error_message());
    return Status(code, std::move(message), status.error_details());
  }
  return Status(code, status.error_message(), status.error_details());
}

Status DeadlineStatus(std::string_view address) {
  return Status::DeadlineExceeded("deadline exceeded calling " + std::string(address));
}

}  // namespace micro::transport::grpc_transport

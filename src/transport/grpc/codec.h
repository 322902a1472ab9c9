// Protobuf messages to and from gRPC byte buffers, the way gRPC's generated code does it:
// parsing reads the received slices in place, serializing writes small messages into one
// slice. Any thread.
#pragma once

#include <google/protobuf/message.h>
#include <grpcpp/support/byte_buffer.h>

namespace micro::transport::grpc_transport {

// False when the bytes are not a valid `message`. Consumes `buffer`.
bool ParseMessage(grpc::ByteBuffer* buffer, google::protobuf::Message* message);
// False when the message cannot be serialized (over 2 GiB).
bool SerializeMessage(const google::protobuf::Message& message, grpc::ByteBuffer* buffer);

}  // namespace micro::transport::grpc_transport

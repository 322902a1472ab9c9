#include "transport/grpc/codec.h"

#include <grpcpp/impl/codegen/proto_utils.h>

namespace micro::transport::grpc_transport {

using Traits = grpc::SerializationTraits<google::protobuf::Message>;

bool ParseMessage(grpc::ByteBuffer* buffer, google::protobuf::Message* message) {
  return Traits::Deserialize(buffer, message).ok();
}

bool SerializeMessage(const google::protobuf::Message& message, grpc::ByteBuffer* buffer) {
  bool own_buffer = false;
  return Traits::Serialize(message, buffer, &own_buffer).ok();
}

}  // namespace micro::transport::grpc_transport

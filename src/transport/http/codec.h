// The HTTP/JSON transport's wire rules, as pure functions (so tests and the fuzz target
// reach them without sockets): protobuf JSON mapping of bodies, gRPC-style timeouts.
// Internal to libmicro.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <google/protobuf/message.h>

#include <micro/core/status.h>

namespace micro::transport::http_json {

enum class Codec { kJson, kProtobuf };

// application/x-protobuf (and application/protobuf) select binary; anything else is JSON.
Codec CodecFor(std::string_view content_type);
std::string_view ContentType(Codec codec);

// Fills `message` from a request body. JSON: the protobuf JSON mapping, both
// lowerCamelCase and original field names, unknown fields rejected; an empty body is the
// empty message. Failure: INVALID_ARGUMENT with the parser's message.
Status DecodeMessage(Codec codec, std::string_view body, google::protobuf::Message* message);
// JSON with every primitive field present (zeros included) and lowerCamelCase names.
Status EncodeMessage(Codec codec, const google::protobuf::Message& message, std::string* out);

// "100m", "2S", "1H" (gRPC's grpc-timeout: up to 8 digits and a unit H M S m u n).
std::optional<std::chrono::nanoseconds> ParseGrpcTimeout(std::string_view value);
// "250" -> 250 ms (x-micro-timeout-ms).
std::optional<std::chrono::nanoseconds> ParseTimeoutMs(std::string_view value);

}  // namespace micro::transport::http_json

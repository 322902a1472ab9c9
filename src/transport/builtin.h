// Built-in transports, listed in one place (registered by RegisterBuiltinTransports and
// RegisterBuiltinClientTransports). Internal to libmicro.
#pragma once

#include <memory>

#include <micro/client/transport.h>
#include <micro/core/result.h>
#include <micro/core/url.h>
#include <micro/server/transport.h>

namespace micro::transport {

// grpc://host:port?threads=N  — HTTP/2 + protobuf, src/transport/grpc/.
Result<std::unique_ptr<server::Transport>> NewGrpcServerTransport(const Url& listen);
// http://host:port?threads=N  — HTTP/1.1 + JSON, src/transport/http/.
Result<std::unique_ptr<server::Transport>> NewHttpServerTransport(const Url& listen);
// grpc — src/transport/grpc/.
Result<std::unique_ptr<client::ClientTransport>> NewGrpcClientTransport(const Url& options);

}  // namespace micro::transport

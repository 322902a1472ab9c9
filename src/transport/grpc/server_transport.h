// GrpcServerTransport: serves a micro Server over gRPC (HTTP/2 + protobuf) with gRPC's
// completion-queue async API. Listen URL: grpc://host:port?threads=N, where N is the
// number of completion queues, each polled by one thread (default 1: one polling thread
// doing all the work is gRPC's most CPU-efficient server).
//
// Options (query):
//   threads=N        completion queues, one polling thread each (default 1)
//   requests=N       calls kept requested per method and queue (default 8)
//   minimal_stack=1  gRPC's minimal filter stack: ~7% less CPU per small unary call, but
//                    gRPC then no longer decompresses requests (a client that compresses,
//                    e.g. grpcio with compression=Gzip, gets INVALID_ARGUMENT) and no longer
//                    enforces the request size limit or the deadline; the transport then
//                    does those two itself. Only for servers whose clients never compress
//                    (micro clients do not). Default 0.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <grpcpp/server.h>

#include <micro/core/url.h>
#include <micro/server/transport.h>

#include "transport/grpc/server_core.h"

namespace micro::transport::grpc_transport {

struct ServerTransportOptions {
  std::string host = "0.0.0.0";
  uint16_t port = 0;
  size_t threads = 1;
  size_t requests_per_method = 8;
  bool minimal_stack = false;

  static Result<ServerTransportOptions> FromUrl(const Url& url);
};

class GrpcServerTransport final : public server::Transport {
 public:
  explicit GrpcServerTransport(ServerTransportOptions options);
  ~GrpcServerTransport() override;

  // server::Transport
  std::string name() const override { return "grpc"; }
  Status Start(server::Server& server, server::HealthState& health) override;
  uint16_t port() const override { return port_; }
  void Shutdown(Context::Clock::time_point deadline) override;

 private:
  ServerTransportOptions options_;
  std::unique_ptr<ServerCore> core_;
  std::unique_ptr<grpc::Server> server_;
  uint16_t port_ = 0;
  bool stopped_ = false;
};

}  // namespace micro::transport::grpc_transport

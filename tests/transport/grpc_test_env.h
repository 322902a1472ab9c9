// A micro Server with the Echo methods served by the gRPC server transport on
// 127.0.0.1:0, and a gRPC client transport pointed at it.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <micro/client/transport.h>
#include <micro/server/health.h>
#include <micro/server/server.h>
#include <micro/server/transport.h>

#include "support/echo_methods.h"

namespace micro::testing {

struct GrpcEnvOptions {
  std::string listen = "grpc://127.0.0.1:0";
  size_t max_request_bytes = 64 << 10;
  // Runs after the Echo methods are added and before the transport starts.
  std::function<void(server::Server&, server::HealthState&)> configure;
};

class GrpcTestEnv {
 public:
  explicit GrpcTestEnv(GrpcEnvOptions options = {});
  ~GrpcTestEnv();

  // Empty when everything started; else what failed.
  const std::string& error() const { return error_; }

  server::Server& server() { return *server_; }
  server::HealthState& health() { return health_; }
  server::Transport& transport() { return *transport_; }
  client::ClientTransport& client() { return *client_; }
  EchoRecorder& recorder() { return *recorder_; }
  const std::string& address() const { return address_; }

  // Stops the server transport (as Service does on shutdown), bounded by `grace`.
  void StopServer(std::chrono::milliseconds grace = std::chrono::seconds(5));

 private:
  server::HealthState health_;
  std::unique_ptr<server::Server> server_;
  std::shared_ptr<EchoRecorder> recorder_ = std::make_shared<EchoRecorder>();
  std::unique_ptr<server::Transport> transport_;
  std::unique_ptr<client::ClientTransport> client_;
  std::string address_;
  std::string error_;
  bool stopped_ = false;
};

// A loopback port nothing listens on (bound, then closed).
uint16_t ClosedPort();

}  // namespace micro::testing

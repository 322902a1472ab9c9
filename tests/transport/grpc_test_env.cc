#include "grpc_test_env.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "transport/builtin.h"

namespace micro::testing {

GrpcTestEnv::GrpcTestEnv(GrpcEnvOptions options) {
  server_ = std::make_unique<server::Server>(
      server::ServerOptions{.worker_threads = 4, .max_request_bytes = options.max_request_bytes});
  if (Status s = AddEchoMethods(*server_, recorder_); !s.ok()) {
    error_ = s.ToString();
    return;
  }
  if (options.configure) options.configure(*server_, health_);
  auto url = Url::Parse(options.listen);
  if (!url.ok()) {
    error_ = url.status().ToString();
    return;
  }
  auto transport = transport::NewGrpcServerTransport(*url);
  if (!transport.ok()) {
    error_ = transport.status().ToString();
    return;
  }
  transport_ = std::move(*transport);
  if (Status s = transport_->Start(*server_, health_); !s.ok()) {
    error_ = s.ToString();
    transport_.reset();
    return;
  }
  address_ = "127.0.0.1:" + std::to_string(transport_->port());
  Url client_url;
  client_url.scheme = "grpc";
  auto client = transport::NewGrpcClientTransport(client_url);
  if (!client.ok()) {
    error_ = client.status().ToString();
    return;
  }
  client_ = std::move(*client);
}

GrpcTestEnv::~GrpcTestEnv() {
  client_.reset();
  StopServer();
  transport_.reset();
  server_.reset();
}

void GrpcTestEnv::StopServer(std::chrono::milliseconds grace) {
  if (stopped_ || !transport_) return;
  stopped_ = true;
  transport_->Shutdown(Context::Clock::now() + grace);
}

uint16_t ClosedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace micro::testing

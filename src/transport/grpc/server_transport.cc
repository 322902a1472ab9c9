#include "transport/grpc/server_transport.h"

#include <chrono>
#include <climits>
#include <string>

#include <grpc/grpc.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include "transport/builtin.h"

namespace micro::transport {

namespace grpc_transport {

namespace {

Result<size_t> PositiveOption(const Url& url, const std::string& key, size_t fallback, size_t max) {
  auto it = url.query.find(key);
  if (it == url.query.end()) return fallback;
  size_t value = 0;
  try {
    size_t used = 0;
    value = std::stoul(it->second, &used);
    if (used != it->second.size()) value = 0;
  } catch (...) {
    value = 0;
  }
  if (value == 0 || value > max) {
    return Status::InvalidArgument("grpc transport: option '" + key + "' must be 1.." +
                                   std::to_string(max) + ", got '" + it->second + "'");
  }
  return value;
}

std::string HostPortString(const std::string& host, uint16_t port) {
  bool v6 = host.find(':') != std::string::npos && host.front() != '[';
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

}  // namespace

Result<ServerTransportOptions> ServerTransportOptions::FromUrl(const Url& url) {
  ServerTransportOptions options;
  for (const auto& [key, value] : url.query) {
    if (key != "threads" && key != "requests" && key != "minimal_stack") {
      return Status::InvalidArgument("grpc transport: unknown option '" + key +
                                     "' (known: threads, requests, minimal_stack)");
    }
  }
  if (url.hosts.size() > 1) {
    return Status::InvalidArgument("grpc transport listens on one address, got " + url.ToString());
  }
  if (!url.hosts.empty()) {
    if (!url.hosts[0].host.empty()) options.host = url.hosts[0].host;
    options.port = url.hosts[0].port;
  }
  auto threads = PositiveOption(url, "threads", options.threads, 256);
  if (!threads.ok()) return threads.status();
  options.threads = *threads;
  auto requests = PositiveOption(url, "requests", options.requests_per_method, 4096);
  if (!requests.ok()) return requests.status();
  options.requests_per_method = *requests;
  if (auto it = url.query.find("minimal_stack"); it != url.query.end()) {
    if (it->second != "0" && it->second != "1") {
      return Status::InvalidArgument("grpc transport: minimal_stack must be 0 or 1");
    }
    options.minimal_stack = it->second == "1";
  }
  return options;
}

GrpcServerTransport::GrpcServerTransport(ServerTransportOptions options)
    : options_(std::move(options)) {}

GrpcServerTransport::~GrpcServerTransport() {
  if (server_ && !stopped_) Shutdown(Context::Clock::now());
}

Status GrpcServerTransport::Start(server::Server& server, server::HealthState& /*health*/) {
  if (core_) return Status::FailedPrecondition("grpc transport already started");
  core_ =
      std::make_unique<ServerCore>(server, options_.requests_per_method, options_.minimal_stack);

  grpc::ServerBuilder builder;
  std::string address = HostPortString(options_.host, options_.port);
  int selected_port = 0;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &selected_port);
  size_t max_request = server.options().max_request_bytes;
  builder.SetMaxReceiveMessageSize(max_request > INT_MAX ? INT_MAX : static_cast<int>(max_request));
  // Without this, gRPC sets SO_REUSEPORT and a second server on a taken port would
  // silently share it instead of failing to start.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // Drops the compression, message-size and deadline filters (see server_transport.h).
  if (options_.minimal_stack) builder.AddChannelArgument(GRPC_ARG_MINIMAL_STACK, 1);
  core_->AddTo(builder, options_.threads);

  server_ = builder.BuildAndStart();
  if (!server_ || selected_port == 0) {
    server_.reset();
    core_->Stop();
    core_.reset();
    return Status::Unavailable("grpc transport cannot listen on " + address);
  }
  port_ = static_cast<uint16_t>(selected_port);
  core_->Start();
  return {};
}

void GrpcServerTransport::Shutdown(Context::Clock::time_point deadline) {
  if (!server_ || stopped_) return;
  stopped_ = true;
  core_->StopRequesting();
  // gRPC takes the deadline on the system clock.
  auto left = deadline - Context::Clock::now();
  auto system_deadline = std::chrono::system_clock::now() +
                         std::chrono::duration_cast<std::chrono::system_clock::duration>(left);
  server_->Shutdown(system_deadline);
  core_->Stop();
  server_.reset();
  core_.reset();
}

}  // namespace grpc_transport

Result<std::unique_ptr<server::Transport>> NewGrpcServerTransport(const Url& listen) {
  auto options = grpc_transport::ServerTransportOptions::FromUrl(listen);
  if (!options.ok()) return options.status();
  return std::unique_ptr<server::Transport>(
      std::make_unique<grpc_transport::GrpcServerTransport>(std::move(*options)));
}

}  // namespace micro::transport

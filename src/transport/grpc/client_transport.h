// GrpcClientTransport: micro::client::ClientTransport over gRPC. One cached channel per
// address (insecure, fail-fast: a peer that is down fails a call at once with
// UNAVAILABLE instead of waiting for the deadline), blocking unary calls on the caller's
// thread, asynchronous unary calls completing on the transport's own completion-queue
// thread(s), and blocking streams.
//
// Options (query of the transport URL, e.g. "grpc://?async_threads=2"):
//   async_threads=N     threads polling async completions (default 1)
//   max_receive_bytes=N largest response accepted (default gRPC's 4 MiB)
//   reconnect_ms=N      first reconnect backoff after a connection failed (default 100;
//                       later attempts back off up to 10x that, at most 1 s)
#pragma once

#include <memory>
#include <string>

#include <micro/client/transport.h>
#include <micro/core/url.h>

#include "transport/grpc/async_caller.h"
#include "transport/grpc/call_watchdog.h"
#include "transport/grpc/channel_cache.h"

namespace micro::transport::grpc_transport {

struct ClientTransportOptions {
  size_t async_threads = 1;
  int max_receive_bytes = 0;  // 0: gRPC's default
  int reconnect_ms = 100;

  static Result<ClientTransportOptions> FromUrl(const Url& url);
};

class GrpcClientTransport final : public client::ClientTransport {
 public:
  explicit GrpcClientTransport(ClientTransportOptions options);

  // client::ClientTransport
  Status Call(Context& ctx, std::string_view address, std::string_view method_path,
              const google::protobuf::Message& request,
              google::protobuf::Message* response) override;
  void CallAsync(Context& ctx, std::string_view address, std::string_view method_path,
                 const google::protobuf::Message& request, google::protobuf::Message* response,
                 std::function<void(Status)> done) override;
  Result<std::unique_ptr<client::ClientStream>> OpenStream(Context& ctx, const std::string& address,
                                                           const std::string& method_path) override;
  void Forget(const std::string& address) override;

 private:
  ChannelCache channels_;
  CallWatchdog watchdog_;  // before async_: the async caller's pollers use it to the end
  AsyncCaller async_;
};

}  // namespace micro::transport::grpc_transport

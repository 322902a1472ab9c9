#include "transport/grpc/client_transport.h"

#include <algorithm>
#include <climits>

#include <grpc/grpc.h>
#include <grpcpp/client_context.h>
#include <grpcpp/impl/client_unary_call.h>
#include <grpcpp/impl/codegen/proto_utils.h>

#include "transport/builtin.h"
#include "transport/grpc/client_context.h"
#include "transport/grpc/client_stream.h"
#include "transport/grpc/status.h"
#include "transport/grpc/tsan_handoff.h"

namespace micro::transport {

namespace grpc_transport {

namespace {

using Message = google::protobuf::Message;
using MessageLite = google::protobuf::MessageLite;

Result<long> IntOption(const Url& url, const std::string& key, long fallback, long min, long max) {
  auto it = url.query.find(key);
  if (it == url.query.end()) return fallback;
  long value = 0;
  bool ok = false;
  try {
    size_t used = 0;
    value = std::stol(it->second, &used);
    ok = used == it->second.size();
  } catch (...) {
  }
  if (!ok || value < min || value > max) {
    return Status::InvalidArgument("grpc client transport: option '" + key + "' must be " +
                                   std::to_string(min) + ".." + std::to_string(max) + ", got '" +
                                   it->second + "'");
  }
  return value;
}

grpc::ChannelArguments ChannelArgs(const ClientTransportOptions& options) {
  grpc::ChannelArguments args;
  // A restarted peer is found again quickly: gRPC's defaults wait 1 s, then up to 120 s.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, options.reconnect_ms);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, options.reconnect_ms);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, std::min(1000, 10 * options.reconnect_ms));
  if (options.max_receive_bytes != 0) args.SetMaxReceiveMessageSize(options.max_receive_bytes);
  // gRPC's retry filter: micro never gives gRPC a retry policy (retrying is the client's
  // job, which may pick another node), so the filter could only transparently resend a
  // call that never left this process — to the same address. It costs ~7,900 instructions
  // per unary call, 13% of a small call's client CPU (bench/rpc/callgrind.sh).
  args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
  // The minimal stack drops filters micro does not use (message-size limits are checked
  // by the transport itself, compression is off) and the client deadline filter, whose
  // per-call timer costs ~4,400 instructions: CallWatchdog ends calls at their deadline.
  args.SetInt(GRPC_ARG_MINIMAL_STACK, 1);
  return args;
}

Status EarlyFailure(const Context& ctx) {
  if (ctx.cancelled()) return Status::Cancelled("call cancelled before it was sent");
  if (ctx.Expired()) return Status::DeadlineExceeded("deadline passed before the call was sent");
  return {};
}

}  // namespace

Result<ClientTransportOptions> ClientTransportOptions::FromUrl(const Url& url) {
  for (const auto& [key, value] : url.query) {
    if (key != "async_threads" && key != "max_receive_bytes" && key != "reconnect_ms") {
      return Status::InvalidArgument("grpc client transport: unknown option '" + key +
                                     "' (known: async_threads, max_receive_bytes, reconnect_ms)");
    }
  }
  ClientTransportOptions options;
  auto threads = IntOption(url, "async_threads", 1, 1, 64);
  if (!threads.ok()) return threads.status();
  options.async_threads = static_cast<size_t>(*threads);
  auto max_receive = IntOption(url, "max_receive_bytes", 0, 0, INT_MAX);
  if (!max_receive.ok()) return max_receive.status();
  options.max_receive_bytes = static_cast<int>(*max_receive);
  auto reconnect = IntOption(url, "reconnect_ms", 100, 1, 60000);
  if (!reconnect.ok()) return reconnect.status();
  options.reconnect_ms = static_cast<int>(*reconnect);
  return options;
}

GrpcClientTransport::GrpcClientTransport(ClientTransportOptions options)
    : channels_(ChannelArgs(options)), async_(options.async_threads, watchdog_) {}

Status GrpcClientTransport::Call(Context& ctx, std::string_view address,
                                 std::string_view method_path, const Message& request,
                                 Message* response) {
  MICRO_RETURN_IF_ERROR(EarlyFailure(ctx));
  std::shared_ptr<ChannelEntry> channel = channels_.Get(address);
  grpc::ClientContext call;
  PrepareClientContext(ctx, &call);
  CallWatchdog::Entry watch;
  watchdog_.Watch(&watch, ctx, &call);
  Sent();
  grpc::Status status =
      grpc::internal::BlockingUnaryCall<Message, Message, MessageLite, MessageLite>(
          channel->channel(), channel->Method(method_path), &call, request, response);
  Received();
  if (watchdog_.Unwatch(&watch)) return DeadlineStatus(address);
  return FromGrpcStatus(status, address);
}

void GrpcClientTransport::CallAsync(Context& ctx, std::string_view address,
                                    std::string_view method_path, const Message& request,
                                    Message* response, std::function<void(Status)> done) {
  if (Status early = EarlyFailure(ctx); !early.ok()) {
    done(std::move(early));
    return;
  }
  std::shared_ptr<ChannelEntry> channel = channels_.Get(address);
  async_.Call(ctx, *channel, address, method_path, request, response, std::move(done));
}

Result<std::unique_ptr<client::ClientStream>> GrpcClientTransport::OpenStream(
    Context& ctx, const std::string& address, const std::string& method_path) {
  MICRO_RETURN_IF_ERROR(EarlyFailure(ctx));
  std::shared_ptr<ChannelEntry> channel = channels_.Get(address);
  return std::unique_ptr<client::ClientStream>(
      std::make_unique<GrpcClientStream>(ctx, *channel, watchdog_, address, method_path));
}

void GrpcClientTransport::Forget(const std::string& address) { channels_.Forget(address); }

}  // namespace grpc_transport

Result<std::unique_ptr<client::ClientTransport>> NewGrpcClientTransport(const Url& options) {
  auto parsed = grpc_transport::ClientTransportOptions::FromUrl(options);
  if (!parsed.ok()) return parsed.status();
  return std::unique_ptr<client::ClientTransport>(
      std::make_unique<grpc_transport::GrpcClientTransport>(*parsed));
}

}  // namespace micro::transport

// ChannelCache: one gRPC channel per "host:port", created on first use and kept until
// Forget(). gRPC multiplexes every call to an address over the channel's one HTTP/2
// connection and reconnects it on its own. Thread-safe; lookups take a shared lock.
#pragma once

#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include <grpcpp/channel.h>
#include <grpcpp/impl/rpc_method.h>
#include <grpcpp/support/channel_arguments.h>

namespace micro::transport::grpc_transport {

// Hashes std::string keys so that lookups by string_view build no string.
struct ViewHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
};
template <typename V>
using ViewMap = std::unordered_map<std::string, V, ViewHash, std::equal_to<>>;

class ChannelEntry {
 public:
  explicit ChannelEntry(std::shared_ptr<grpc::Channel> channel) : channel_(std::move(channel)) {}

  grpc::Channel* channel() const { return channel_.get(); }
  // The method registered on this channel for `path` (gRPC then prepares the path once
  // instead of on every call, as generated stubs do). The reference stays valid as long
  // as the entry.
  const grpc::internal::RpcMethod& Method(std::string_view path);

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::shared_mutex mu_;
  ViewMap<std::unique_ptr<grpc::internal::RpcMethod>> methods_;
};

class ChannelCache {
 public:
  explicit ChannelCache(grpc::ChannelArguments args) : args_(std::move(args)) {}

  std::shared_ptr<ChannelEntry> Get(std::string_view address);
  void Forget(const std::string& address);

 private:
  grpc::ChannelArguments args_;
  std::shared_mutex mu_;
  ViewMap<std::shared_ptr<ChannelEntry>> entries_;
};

}  // namespace micro::transport::grpc_transport

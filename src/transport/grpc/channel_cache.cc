#include "transport/grpc/channel_cache.h"

#include <mutex>

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

namespace micro::transport::grpc_transport {

const grpc::internal::RpcMethod& ChannelEntry::Method(std::string_view path) {
  {
    std::shared_lock lock(mu_);
    auto it = methods_.find(path);
    if (it != methods_.end()) return *it->second;
  }
  std::unique_lock lock(mu_);
  auto [it, inserted] = methods_.try_emplace(std::string(path));
  if (inserted) {
    // The key's storage is stable in the map, and RpcMethod keeps a pointer to it.
    it->second = std::make_unique<grpc::internal::RpcMethod>(
        it->first.c_str(), grpc::internal::RpcMethod::NORMAL_RPC, channel_);
  }
  return *it->second;
}

std::shared_ptr<ChannelEntry> ChannelCache::Get(std::string_view address) {
  {
    std::shared_lock lock(mu_);
    auto it = entries_.find(address);
    if (it != entries_.end()) return it->second;
  }
  std::unique_lock lock(mu_);
  auto& entry = entries_[std::string(address)];
  if (!entry) {
    entry = std::make_shared<ChannelEntry>(
        grpc::CreateCustomChannel(std::string(address), grpc::InsecureChannelCredentials(), args_));
  }
  return entry;
}

void ChannelCache::Forget(const std::string& address) {
  std::shared_ptr<ChannelEntry> dropped;  // released outside the lock
  std::unique_lock lock(mu_);
  auto it = entries_.find(address);
  if (it == entries_.end()) return;
  dropped = std::move(it->second);
  entries_.erase(it);
}

}  // namespace micro::transport::grpc_transport

// The client side of a wire protocol: delivers calls to one address. micro::Client does
// discovery and selection, then hands each call to the ClientTransport of its protocol.
// Built-in: "grpc". All methods are thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <google/protobuf/message.h>

#include <micro/client/client.h>
#include <micro/core/context.h>
#include <micro/core/plugin_table.h>

namespace micro::client {

class ClientTransport {
 public:
  virtual ~ClientTransport() = default;

  // Each call is bounded by ctx's deadline, sends ctx's forwardable metadata (not
  // hop-by-hop keys) and trace context, and is cancelled when ctx is. A refused or broken
  // connection fails fast with UNAVAILABLE naming `address`; it never waits for the
  // deadline to discover that the peer is down. `address` and `method_path` need to stay
  // valid only until Call/CallAsync returns.
  virtual Status Call(Context& ctx, std::string_view address, std::string_view method_path,
                      const google::protobuf::Message& request,
                      google::protobuf::Message* response) = 0;
  virtual void CallAsync(Context& ctx, std::string_view address, std::string_view method_path,
                         const google::protobuf::Message& request,
                         google::protobuf::Message* response, std::function<void(Status)> done) = 0;
  virtual Result<std::unique_ptr<ClientStream>> OpenStream(Context& ctx, const std::string& address,
                                                           const std::string& method_path) = 0;
  // Drops the cached connection to an address (its node left the registry).
  virtual void Forget(const std::string& address) = 0;
};

// "grpc" is registered by RegisterBuiltinClientTransports().
PluginTable<ClientTransport>& ClientTransportPlugins();
void RegisterBuiltinClientTransports();

}  // namespace micro::client

// The one table of built-in transports.
#include <mutex>

#include "transport/builtin.h"

namespace micro {

namespace server {

PluginTable<Transport>& TransportPlugins() {
  static auto* table = new PluginTable<Transport>("transport");
  return *table;
}

void RegisterBuiltinTransports() {
  static std::once_flag once;
  std::call_once(once, [] {
    auto& t = TransportPlugins();
    (void)t.Register("grpc", transport::NewGrpcServerTransport);
    (void)t.Register("http", transport::NewHttpServerTransport);
  });
}

}  // namespace server

namespace client {

PluginTable<ClientTransport>& ClientTransportPlugins() {
  static auto* table = new PluginTable<ClientTransport>("client transport");
  return *table;
}

void RegisterBuiltinClientTransports() {
  static std::once_flag once;
  std::call_once(once, [] {
    (void)ClientTransportPlugins().Register("grpc", transport::NewGrpcClientTransport);
  });
}

}  // namespace client

}  // namespace micro

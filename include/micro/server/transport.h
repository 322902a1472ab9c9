// A server transport accepts calls in one wire protocol and dispatches them to a Server.
// Built-ins: "grpc" (HTTP/2 + protobuf, every gRPC client interoperates) and "http"
// (HTTP/1.1 + JSON). A native binary transport can be added by implementing this
// interface and registering it in TransportPlugins(), keyed by the scheme of its listen
// URL: "grpc://127.0.0.1:0", "http://0.0.0.0:8080?threads=2".
//
// Start() is called once, before any call; Shutdown() stops accepting, lets calls in
// flight finish until `deadline`, then cancels the rest. Both from the owning thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <micro/core/context.h>
#include <micro/core/plugin_table.h>
#include <micro/core/status.h>

namespace micro::server {

class Server;
class HealthState;

class Transport {
 public:
  virtual ~Transport() = default;
  virtual std::string name() const = 0;  // "grpc", "http"
  // Binds the listen URL given at creation (port 0: the OS picks one).
  virtual Status Start(Server& server, HealthState& health) = 0;
  // The port actually bound, valid after Start().
  virtual uint16_t port() const = 0;
  virtual void Shutdown(Context::Clock::time_point deadline) = 0;
};

// "grpc" and "http" are registered by RegisterBuiltinTransports(), which Service calls.
PluginTable<Transport>& TransportPlugins();
void RegisterBuiltinTransports();

}  // namespace micro::server

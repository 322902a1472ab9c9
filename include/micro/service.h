// micro::Service: one process serving one or more .proto services. It hosts a Server on
// the gRPC and HTTP/JSON transports, registers itself in the Registry, keeps the
// registration alive, offers a Client for calling other services, and shuts down
// gracefully on SIGTERM/SIGINT.
//
//   int main(int argc, char** argv) {
//     auto opts = micro::ServiceOptions::FromArgs(argc, argv, {.name = "greeter"});
//     if (!opts.ok()) return micro::ExitWithUsage(opts.status());
//     micro::Service service(*opts);
//     helloworld::RegisterGreeter(service.server(), std::make_shared<GreeterImpl>());
//     return service.Run().ok() ? 0 : 1;
//   }
//
// Lifecycle: Start() = listen (port 0 by default; the bound ports are advertised) ->
// register -> ready. Run() = Start() + wait for SIGTERM/SIGINT or Stop() + Shutdown().
// Shutdown(): not ready -> deregister -> drain calls in flight (up to drain_timeout) ->
// stop transports.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <micro/client/client.h>
#include <micro/config/config.h>
#include <micro/core/result.h>
#include <micro/debug/debug.h>
#include <micro/registry/registry.h>
#include <micro/server/health.h>
#include <micro/server/server.h>
#include <micro/trace/options.h>

namespace micro {

struct ServiceOptions {
  std::string name;  // required: the name clients call
  std::string version = "0.0.0";
  std::map<std::string, std::string> metadata;  // advertised: weight, zone, lane, ...
  std::string id;                               // node id; default name-<random>
  // Plugin URL of the registry (MICRO_REGISTRY, --registry).
  std::string registry = "platform://127.0.0.1:7700";
  // Listen URLs per transport; empty disables a transport. Port 0 lets the OS choose.
  std::string grpc_listen = "grpc://127.0.0.1:0";
  std::string http_listen = "http://127.0.0.1:0";
  // Host advertised to other processes; default: the listen host.
  std::string advertise_host;
  std::chrono::milliseconds ttl{10000};
  std::chrono::milliseconds heartbeat_interval{3000};
  std::chrono::milliseconds drain_timeout{10000};
  // After deregistering, keep serving this long so that clients still holding this node in
  // their cache are answered, not refused, while the removal propagates.
  std::chrono::milliseconds drain_grace{500};
  // Run() waits for SIGTERM/SIGINT. Tests that host services in-process turn this off
  // and call Stop().
  bool handle_signals = true;
  server::ServerOptions server;
  client::ClientOptions client;
  // trace.sampler, trace.ratio, trace.endpoint: spans per call, exported as OTLP/HTTP JSON
  // when an endpoint is set (docs/tracing.md).
  trace::TraceOptions trace;
  // metrics.enabled: RPC metrics on the server and the client, process and worker-pool
  // metrics, and GET /metrics on the HTTP port (docs/metrics.md).
  bool metrics_enabled = true;
  // debug.enabled, debug.token, debug.rpcz_size: GET /debug/{vars,config,rpcz,status} on the
  // HTTP port; on by default only when HTTP listens on loopback (docs/debug.md).
  debug::DebugOptions debug;

  // The whole layered configuration the options were read from (FromArgs sets it), so
  // handlers can read their own keys — and watch them — from the same file, env and flags.
  std::shared_ptr<config::Config> config;

  // Reads the options through micro::config, layered: these defaults < --config FILE
  // (YAML/JSON) < env MICRO_* < flags. Keys: name, version, id, registry, grpc, http,
  // advertise, metadata.KEY, ttl, heartbeat, drain.timeout, drain.grace (durations such as
  // "10s" or "250ms"), workers, request.limit, selector, metrics.enabled, debug.enabled,
  // debug.token, debug.rpcz_size. `--help` yields a
  // Status whose message is the usage text (code CANCELLED); a bad value names its key and
  // layer.
  static Result<ServiceOptions> FromArgs(int argc, const char* const* argv,
                                         ServiceOptions defaults);
};

// Prints a FromArgs failure (usage for --help) and returns the process exit code.
int ExitWithUsage(const Status& status);

class Service {
 public:
  explicit Service(ServiceOptions options);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  server::Server& server();
  server::HealthState& health();
  // The client this service calls others with (shares the service's registry).
  client::Client& Client();
  std::shared_ptr<registry::Registry> registry();
  const ServiceOptions& options() const;

  Status Start();
  // Start(), then block until SIGTERM/SIGINT or Stop(), then Shutdown().
  Status Run();
  // Asks Run() to return; thread- and signal-safe.
  void Stop();
  void Shutdown();

  // The bound port of a transport ("grpc", "http"), 0 if not listening.
  uint16_t port(const std::string& transport) const;
  // This process's registration (valid after Start()).
  const registry::Node& node() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace micro

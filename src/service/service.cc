#include <micro/service.h>

#include <unistd.h>

#include <random>

#include <micro/debug/debug.h>
#include <micro/governance/governance.h>
#include <micro/log/log.h>
#include <micro/server/builtin.h>
#include <micro/server/transport.h>
#include <micro/trace/trace.h>

#include "log/service_logging.h"
#include "metrics/service_metrics.h"
#include "service/registrar.h"
#include "service/stop_signal.h"

namespace micro {

namespace {

std::string RandomSuffix() {
  std::random_device rd;
  uint64_t v = (static_cast<uint64_t>(rd()) << 32) ^ rd() ^ static_cast<uint64_t>(getpid());
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return std::string(buf, 8);
}

// Stands in for a registry whose URL could not be used, so that Client() still works and
// every call explains what is wrong.
class UnusableRegistry final : public registry::Registry {
 public:
  explicit UnusableRegistry(Status why) : why_(std::move(why)) {}
  // registry::Registry
  Status Register(const registry::ServiceInfo&, const registry::Node&,
                  std::chrono::milliseconds) override {
    return why_;
  }
  Status Heartbeat(const std::string&, const std::string&) override { return why_; }
  Status Deregister(const std::string&, const std::string&) override { return why_; }
  Result<registry::Service> Get(const std::string&) override { return why_; }
  Result<std::vector<registry::ServiceSummary>> List() override { return why_; }
  Result<std::unique_ptr<registry::Watcher>> Watch(const std::string&) override { return why_; }

 private:
  Status why_;
};

}  // namespace

class Service::Impl {
 public:
  explicit Impl(ServiceOptions o)
      : options(std::move(o)), stop(options.handle_signals), server(options.server) {
    auto reg = registry::NewRegistry(options.registry);
    if (reg.ok()) {
      registry = std::shared_ptr<registry::Registry>(std::move(*reg));
    } else {
      registry_error = reg.status();
      registry = std::make_shared<UnusableRegistry>(reg.status());
    }
    if (options.id.empty()) options.id = options.name + "-" + RandomSuffix();
    if (options.metrics_enabled) {  // first interceptor: measures the whole chain
      auto m = metrics::internal::ServiceMetrics::Install(server, options.name);
      if (m.ok()) {
        metrics = std::move(*m);
      } else {
        metrics_error = m.status();
      }
    }
    // Tracing sits outside the logging interceptors, so that a call's log lines carry its
    // own span id (ctx.trace() is this call's span from here inwards).
    auto t = trace::Tracing::Create(options.trace, {.service_name = options.name,
                                                    .service_instance_id = options.id,
                                                    .service_version = options.version});
    if (!t.ok()) {
      tracing_error = t.status();
    } else if (options.trace.sampler != "always_off") {
      // A sampler that never records needs no spans: the incoming trace context still
      // reaches the handler's outgoing calls through its Context.
      tracing = std::move(*t);
      server.Use(tracing->ServerInterceptor());
    }
    // Recent calls for /debug/rpcz: inside tracing, so that a record carries its trace id.
    // By default only where no one else can reach them (HTTP listening on loopback).
    bool debug_on = false;
    if (!options.http_listen.empty()) {
      auto http_url = Url::Parse(options.http_listen);
      debug_on = options.debug.enabled.value_or(http_url.ok() && http_url->hosts.size() == 1 &&
                                                debug::IsLoopbackHost(http_url->hosts[0].host));
    }
    if (debug_on) {
      rpcz = std::make_shared<debug::Rpcz>(options.debug.rpcz_size);
      server.Use(rpcz);
    }
    // Access log and current call for log lines; its place in the chain is this line's.
    logging = std::make_unique<log_internal::ServiceLogging>(server, options.name, options.id);
    // The `governance` section (docs/governance.md): server policies here, client ones on
    // Client(); live on config changes. No section, nothing installed.
    auto g = governance::Governance::FromConfig(
        options.config, options.client.selector,
        options.metrics_enabled ? &metrics::DefaultRegistry() : nullptr);
    if (g.ok()) {
      governance = std::move(*g);
      governance->InstallServer(server);
    } else {
      governance_error = g.status();
    }
  }

  ~Impl() {
    if (debug) debug->Detach();  // copies of its routes may outlive this service
  }

  ServiceOptions options;
  service_internal::StopSignal stop;  // first: blocks signals before any thread starts
  server::Server server;
  server::HealthState health;
  std::shared_ptr<registry::Registry> registry;
  Status registry_error;
  std::once_flag client_once;
  std::unique_ptr<client::Client> client;
  std::vector<std::unique_ptr<server::Transport>> transports;
  std::unique_ptr<service_internal::Registrar> registrar;
  registry::Node node;
  bool started = false;
  bool shut_down = false;
  std::unique_ptr<log_internal::ServiceLogging> logging;
  // After `server`: destroyed first, it stops reading the server's worker pool.
  std::unique_ptr<metrics::internal::ServiceMetrics> metrics;
  Status metrics_error;
  std::unique_ptr<trace::Tracing> tracing;  // exports on Shutdown
  Status tracing_error;
  std::shared_ptr<debug::Rpcz> rpcz;  // null when the /debug pages are off
  std::shared_ptr<debug::DebugPages> debug;
  // Last: destroyed first, so that its config watch never sees a dead client.
  std::unique_ptr<governance::Governance> governance;
  Status governance_error;
};

Service::Service(ServiceOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Service::~Service() { Shutdown(); }

server::Server& Service::server() { return impl_->server; }
server::HealthState& Service::health() { return impl_->health; }
std::shared_ptr<registry::Registry> Service::registry() { return impl_->registry; }
const ServiceOptions& Service::options() const { return impl_->options; }
const registry::Node& Service::node() const { return impl_->node; }

client::Client& Service::Client() {
  std::call_once(impl_->client_once, [&] {
    impl_->client = std::make_unique<client::Client>(impl_->registry, impl_->options.client);
    if (impl_->metrics) {
      impl_->client->Use(impl_->metrics->client_interceptor());
      impl_->client->UseStream(impl_->metrics->client_interceptor());
    }
    if (impl_->tracing) {  // one client span per attempt, and per stream
      const std::string& protocol = impl_->options.client.protocol;
      impl_->client->UseAttempt(impl_->tracing->ClientInterceptor(protocol));
      impl_->client->UseStream(impl_->tracing->ClientStreamInterceptor(protocol));
    }
    if (impl_->governance) (void)impl_->governance->InstallClient(*impl_->client);
  });
  return *impl_->client;
}

uint16_t Service::port(const std::string& transport) const {
  for (const auto& t : impl_->transports) {
    if (t->name() == transport) return t->port();
  }
  return 0;
}

Status Service::Start() {
  Impl& s = *impl_;
  if (s.started) return Status::FailedPrecondition("service already started");
  if (!s.registry_error.ok()) return s.registry_error;
  MICRO_RETURN_IF_ERROR(s.logging->Start(s.options.config));
  if (!s.metrics_error.ok()) return s.metrics_error;
  if (!s.tracing_error.ok()) return s.tracing_error;
  if (!s.governance_error.ok()) return s.governance_error;
  server::RegisterBuiltinTransports();

  for (const auto& m : s.server.Methods()) s.health.AddService(m->service);
  MICRO_RETURN_IF_ERROR(server::AddHealthService(s.server, s.health));
  MICRO_RETURN_IF_ERROR(server::AddReflectionService(s.server));

  if (s.rpcz) {  // the /debug pages are on
    s.debug = debug::DebugPages::Create({.service = s.options.name,
                                         .version = s.options.version,
                                         .id = s.options.id,
                                         .registry = s.options.registry,
                                         .server = &s.server,
                                         .health = &s.health,
                                         .config = s.options.config,
                                         .rpcz = s.rpcz,
                                         .token = s.options.debug.token});
    s.debug->AddRoutes();
  } else {
    debug::DebugPages::RemoveRoutes();  // not another service's, left in the process-wide list
  }

  std::string listen_host;
  for (const std::string& url : {s.options.grpc_listen, s.options.http_listen}) {
    if (url.empty()) continue;
    auto parsed = Url::Parse(url);
    if (!parsed.ok()) return parsed.status();
    if (parsed->hosts.size() != 1) {
      return Status::InvalidArgument("listen URL '" + url + "' needs exactly one host:port");
    }
    auto transport = server::TransportPlugins().Create(*parsed);
    if (!transport.ok()) return transport.status();
    MICRO_RETURN_IF_ERROR((*transport)->Start(s.server, s.health));
    if (listen_host.empty()) listen_host = parsed->hosts[0].host;
    s.transports.push_back(std::move(*transport));
  }
  if (s.transports.empty()) return Status::InvalidArgument("no transport to listen on");

  registry::Node& node = s.node;
  node.id = s.options.id;
  // A wildcard listen address cannot be dialed; advertise loopback unless told otherwise.
  node.host = !s.options.advertise_host.empty()                   ? s.options.advertise_host
              : (listen_host == "0.0.0.0" || listen_host == "::") ? "127.0.0.1"
                                                                  : listen_host;
  for (const auto& t : s.transports) node.ports[t->name()] = t->port();
  node.version = s.options.version;
  node.metadata = s.options.metadata;
  s.started = true;

  s.registrar = std::make_unique<service_internal::Registrar>(
      s.registry, registry::ServiceInfo{s.options.name, s.options.version, s.options.metadata},
      node, s.options.ttl, s.options.heartbeat_interval, s.health);
  (void)s.registrar->Start();  // failures are retried; readiness reports them
  MICRO_LOG_INFO({}, "service started", {"version", s.options.version}, {"id", node.id},
                 {"grpc", port("grpc")}, {"http", port("http")}, {"registry", s.options.registry});
  return {};
}

Status Service::Run() {
  MICRO_RETURN_IF_ERROR(Start());
  int sig = impl_->stop.Wait();
  MICRO_LOG_INFO({}, "shutting down", {"reason", sig ? strsignal(sig) : "stop requested"});
  Shutdown();
  return {};
}

void Service::Stop() { impl_->stop.Notify(); }

void Service::Shutdown() {
  Impl& s = *impl_;
  if (!s.started || s.shut_down) return;
  s.shut_down = true;
  auto deadline = Context::Clock::now() + s.options.drain_timeout;
  s.health.SetDraining(true);
  Status dereg = s.registrar->Stop();
  if (!dereg.ok()) MICRO_LOG_WARN({}, "deregister failed", {"error", dereg});
  // Serve stragglers routed here by clients that have not yet seen the removal.
  std::this_thread::sleep_until(std::min(deadline, Context::Clock::now() + s.options.drain_grace));
  if (!s.server.WaitDrained(deadline)) {
    MICRO_LOG_WARN({}, "calls still in flight at the drain deadline",
                   {"inflight", s.server.inflight()});
  }
  for (auto& t : s.transports) t->Shutdown(deadline);
  s.server.workers().Shutdown();
  if (s.tracing) s.tracing->Shutdown();  // exports the spans of the drained calls
  MICRO_LOG_INFO({}, "service stopped");
}

}  // namespace micro

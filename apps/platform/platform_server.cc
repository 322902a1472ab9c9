#include "platform/platform_server.h"

#include <micro/http/http.h>
#include <micro/runtime/thread_pool.h>

#include "platform/api_routes.h"
#include "platform/registry/expiry_sweeper.h"

namespace micro::platform {

namespace {

// One token guards every write: the receiver uses the registry's hook unless given its own.
traces::TraceApiOptions TraceOptions(const PlatformServerOptions& options) {
  traces::TraceApiOptions out = options.traces;
  if (!out.authorize) out.authorize = options.registry.authorize;
  return out;
}

// Memory alone, or memory in front of <data_dir>/traces.db.
std::unique_ptr<traces::TraceStore> OpenTraceStore(const PlatformServerOptions& options,
                                                   Status* status) {
  if (options.data_dir.empty()) return traces::NewMemoryTraceStore(options.trace_memory);
  traces::SqliteTraceStoreOptions db = options.trace_db;
  db.path = options.data_dir + "/traces.db";
  auto durable = traces::OpenSqliteTraceStore(db);
  if (!durable.ok()) {
    *status = durable.status();
    return traces::NewMemoryTraceStore(options.trace_memory);
  }
  return traces::NewTieredTraceStore(options.trace_memory, std::move(*durable));
}

}  // namespace

// Members are declared in the order they start; they are destroyed in reverse.
class PlatformServer::Impl {
 public:
  Impl(const PlatformServerOptions& options, RegistryStore& store, traces::TraceStore& trace_store)
      : workers(options.worker_threads == 0 ? 1 : options.worker_threads),
        routes(router),
        registry_api(store, workers, options.registry),
        trace_api(trace_store, workers, TraceOptions(options)),
        sweeper(store, options.sweep_interval) {
    routes.Add("GET", "/health/live", [](http::Request, http::Responder res) {
      res(http::Response::Json(200, R"({"status":"ok"})"));
    });
    registry_api.Install(routes);
    trace_api.Install(routes);
  }

  runtime::ThreadPool workers;
  http::Router router;
  ApiRoutes routes;
  RegistryApi registry_api;
  traces::TraceApi trace_api;
  ExpirySweeper sweeper;
  std::unique_ptr<http::HttpServer> server;
  bool stopped = false;
};

PlatformServer::PlatformServer(PlatformServerOptions options)
    : PlatformServer(std::move(options), NewInMemoryRegistryStore()) {}

PlatformServer::PlatformServer(PlatformServerOptions options,
                               std::unique_ptr<RegistryStore> registry_store)
    : options_(std::move(options)),
      registry_store_(std::move(registry_store)),
      trace_store_(OpenTraceStore(options_, &trace_store_status_)),
      impl_(std::make_unique<Impl>(options_, *registry_store_, *trace_store_)) {}

PlatformServer::~PlatformServer() { Shutdown(std::chrono::milliseconds(0)); }

Status PlatformServer::Start() {
  if (impl_->server) return Status::FailedPrecondition("platform server already started");
  if (!trace_store_status_.ok()) return trace_store_status_;
  impl_->server = std::make_unique<http::HttpServer>(
      impl_->router,
      http::ServerOptions{.threads = options_.http_threads == 0 ? 1 : options_.http_threads});
  return impl_->server->Listen(options_.host, options_.port);
}

uint16_t PlatformServer::port() const { return impl_->server ? impl_->server->port() : 0; }

std::string PlatformServer::address() const {
  bool v6 = options_.host.find(':') != std::string::npos;
  return (v6 ? "[" + options_.host + "]" : options_.host) + ":" + std::to_string(port());
}

RegistryApi& PlatformServer::registry_api() { return impl_->registry_api; }

void PlatformServer::Shutdown(std::chrono::milliseconds grace) {
  if (impl_->stopped) return;
  impl_->stopped = true;
  // Held watches would otherwise keep the HTTP server waiting until `grace` runs out.
  impl_->registry_api.Shutdown();
  if (impl_->server) impl_->server->Shutdown(std::chrono::steady_clock::now() + grace);
  impl_->workers.Shutdown();
  impl_->sweeper.Stop();
}

}  // namespace micro::platform

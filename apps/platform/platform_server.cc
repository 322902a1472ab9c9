#include "platform/platform_server.h"

#include <micro/http/http.h>
#include <micro/runtime/thread_pool.h>

#include "platform/api_routes.h"
#include "platform/registry/expiry_sweeper.h"

namespace micro::platform {

// Members are declared in the order they start; they are destroyed in reverse.
class PlatformServer::Impl {
 public:
  Impl(const PlatformServerOptions& options, RegistryStore& store)
      : workers(options.worker_threads == 0 ? 1 : options.worker_threads),
        routes(router),
        registry_api(store, workers, options.registry),
        sweeper(store, options.sweep_interval) {
    routes.Add("GET", "/health/live", [](http::Request, http::Responder res) {
      res(http::Response::Json(200, R"({"status":"ok"})"));
    });
    registry_api.Install(routes);
  }

  runtime::ThreadPool workers;
  http::Router router;
  ApiRoutes routes;
  RegistryApi registry_api;
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
      impl_(std::make_unique<Impl>(options_, *registry_store_)) {}

PlatformServer::~PlatformServer() { Shutdown(std::chrono::milliseconds(0)); }

Status PlatformServer::Start() {
  if (impl_->server) return Status::FailedPrecondition("platform server already started");
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

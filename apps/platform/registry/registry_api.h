// RegistryApi: the registry's HTTP/JSON endpoints on `micro platform` (docs/registry.md):
//
//   POST /v1/registry/register     {"service":{...},"node":{...},"ttl_ms":N}
//   POST /v1/registry/heartbeat    {"service":"...","node_id":"..."}   404 when expired
//   POST /v1/registry/deregister   {"service":"...","node_id":"..."}
//   GET  /v1/registry/services                 summaries of every service
//   GET  /v1/registry/services/<name>          the live nodes of one (404 when none)
//   GET  /v1/registry/watch?service=&since=&epoch=&timeout_ms=&watch_id=   long-poll
//   POST /v1/registry/watch/cancel {"watch_id":"..."}
//
// Handlers run on the worker pool (the store may block), never on the io threads; long-polls
// are parked in a WatchHub without holding any thread. Only RegistryStore is touched, and
// every write passes the one `authorize` hook first.
#pragma once

#include <chrono>
#include <functional>

#include <micro/core/status.h>
#include <micro/http/http.h>
#include <micro/runtime/thread_pool.h>

#include "platform/api_routes.h"
#include "platform/registry/registry_store.h"
#include "platform/registry/watch_hub.h"

namespace micro::platform {

struct RegistryApiOptions {
  // Decides whether a write (register, heartbeat, deregister) may proceed; a non-OK status
  // is the answer (UNAUTHENTICATED, PERMISSION_DENIED). Unset: every write is allowed. ACL
  // tokens plug in here.
  std::function<Status(const http::Request&)> authorize{};
  // A watch poll without timeout_ms is held this long; longer requests are cut to max.
  std::chrono::milliseconds default_watch_hold{30000};
  std::chrono::milliseconds max_watch_hold{300000};
};

class RegistryApi {
 public:
  RegistryApi(RegistryStore& store, runtime::ThreadPool& workers, RegistryApiOptions options = {});
  RegistryApi(const RegistryApi&) = delete;
  RegistryApi& operator=(const RegistryApi&) = delete;

  void Install(ApiRoutes& routes);
  // Answers parked watches with UNAVAILABLE (before the HTTP server drains its responses).
  void Shutdown() { hub_.Shutdown(); }

  WatchHub& hub() { return hub_; }

 private:
  // Runs `handle` on a worker; it answers through the Responder.
  void OnWorker(http::Request req, http::Responder res,
                void (RegistryApi::*handle)(const http::Request&, http::Responder&));

  void HandleRegister(const http::Request& req, http::Responder& res);
  void HandleHeartbeat(const http::Request& req, http::Responder& res);
  void HandleDeregister(const http::Request& req, http::Responder& res);
  void HandleList(const http::Request& req, http::Responder& res);
  void HandleGet(const http::Request& req, http::Responder& res);
  void HandleWatch(const http::Request& req, http::Responder& res);
  void HandleWatchCancel(const http::Request& req, http::Responder& res);

  Status Authorize(const http::Request& req) const;

  RegistryStore& store_;
  runtime::ThreadPool& workers_;
  const RegistryApiOptions options_;
  WatchHub hub_;
};

}  // namespace micro::platform

// micro::server::Server: the transport-independent host of handlers. It owns the method
// table, the middleware chain, the worker pool for blocking handlers and the in-flight
// count used to drain on shutdown. Transports (transport.h) accept calls and hand them to
// Dispatch(); micro::Service (service.h) wires a Server to its transports and the registry.
//
//   micro::server::Server server({.worker_threads = 8});
//   helloworld::RegisterGreeter(server, std::make_shared<GreeterImpl>());
//   server.Use(std::make_shared<MyInterceptor>());
//
// AddMethod/Use before transports start; everything else is thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <micro/core/context.h>
#include <micro/core/result.h>
#include <micro/runtime/thread_pool.h>
#include <micro/server/method.h>
#include <micro/server/middleware.h>

namespace micro::server {

struct ServerOptions {
  // Threads that run kBlocking handlers. 0 = 2 x hardware threads, at least 4.
  size_t worker_threads = 0;
  // Largest request body accepted, in bytes (HTTP body, gRPC message).
  size_t max_request_bytes = 4 << 20;
};

class Server {
 public:
  explicit Server(ServerOptions options = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Fails with ALREADY_EXISTS when the path is taken, INVALID_ARGUMENT when incomplete.
  Status AddMethod(Method method);
  // Changes where a registered method's handler runs; NOT_FOUND for an unknown path.
  Status SetExecution(std::string_view path, Execution execution);
  void Use(std::shared_ptr<Interceptor> interceptor);

  // Looks up "/pkg.Service/Method", or the short form "/Service/Method" when exactly one
  // registered service has that unqualified name. Null when unknown.
  const Method* Find(std::string_view path) const;
  // Fully qualified names of the registered services, sorted.
  std::vector<std::string> Services() const;
  const std::vector<const Method*>& Methods() const { return method_list_; }

  // Runs the middleware chain and the handler of one call, with panics recovered.
  // The caller is on the thread the method's Execution asks for (see RunOn).
  Status Invoke(Context& ctx, const CallInfo& call) const;

  // Runs `task` where `method` must run: inline for kNonBlocking, else on the worker pool.
  // Returns false when the server is shutting down and the task was not run.
  bool RunOn(const Method& method, std::function<void()> task);
  runtime::ThreadPool& workers() { return *workers_; }
  const ServerOptions& options() const { return options_; }

  // In-flight accounting for graceful drain: transports hold a CallGuard for the whole
  // life of each accepted call.
  class CallGuard {
   public:
    explicit CallGuard(Server* s) : server_(s) { server_->inflight_.fetch_add(1); }
    CallGuard(CallGuard&& o) noexcept : server_(o.server_) { o.server_ = nullptr; }
    CallGuard& operator=(CallGuard&&) = delete;
    ~CallGuard();

   private:
    Server* server_;
  };
  CallGuard TrackCall() { return CallGuard(this); }
  size_t inflight() const { return inflight_.load(); }
  // Waits until no call is in flight or the deadline passes; true when drained.
  bool WaitDrained(Context::Clock::time_point deadline);

 private:
  ServerOptions options_;
  std::unordered_map<std::string, Method> methods_;
  std::unordered_map<std::string, std::string> short_paths_;  // "/Svc/M" -> full path
  std::vector<const Method*> method_list_;
  Chain chain_;
  std::unique_ptr<runtime::ThreadPool> workers_;

  std::atomic<size_t> inflight_{0};
  std::mutex drain_mu_;
  std::condition_variable drain_cv_;
};

}  // namespace micro::server

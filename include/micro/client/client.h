// micro::Client: calls a service by name. It resolves the name through the Registry
// (with a local cache kept fresh by a watch, which keeps serving when the registry is
// briefly unreachable), picks a node with the service's Selector, reuses one connection
// per node, and propagates metadata, deadlines and cancellation from the Context.
//
// Generated typed clients wrap it:
//   helloworld::GreeterClient greeter(service.Client());
//   micro::Context ctx = micro::Context::WithTimeout(std::chrono::seconds(1));
//   auto reply = greeter.SayHello(ctx, req);      // Result<HelloReply>
//
// The untyped form, for tools and tests:
//   micro::Status s = client.Call(ctx, "greeter", "/helloworld.Greeter/SayHello", req, &reply);
//
// Thread-safe; one Client per process is the intended use.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <google/protobuf/message.h>

#include <micro/client/interceptor.h>
#include <micro/core/context.h>
#include <micro/core/result.h>
#include <micro/registry/registry.h>
#include <micro/selector/route_filter.h>

namespace micro::client {

class StreamInterceptor;  // stream_interceptor.h

struct ClientOptions {
  std::string selector = "round_robin";  // a SelectorPlugins() name
  // Used when the Context carries no deadline; an incoming deadline always bounds a call.
  std::chrono::milliseconds default_timeout{10000};
  // The protocol whose port is dialed (a key of registry::Node::ports).
  std::string protocol = "grpc";
};

struct CallOptions {
  // Shortens (never extends) the Context's deadline for this call; 0 = no extra bound.
  std::chrono::milliseconds timeout{0};
  // Dial this "host:port" directly instead of resolving the service.
  std::string address;
  // The method may safely run more than once (generated clients set this from the
  // method's `(micro.idempotent)` option); retry and hedging policies only repeat such
  // calls.
  bool idempotent = false;
};

// The client side of a streaming call. Write/WritesDone/Read may be called from two
// threads (one writer, one reader). Finish() returns the call's final status once the
// server has closed the stream; call it after Read() returned false.
class ClientStream {
 public:
  virtual ~ClientStream() = default;
  virtual bool Write(const google::protobuf::Message& message) = 0;
  virtual bool WritesDone() = 0;
  virtual bool Read(google::protobuf::Message* message) = 0;
  virtual Status Finish() = 0;
};

class Client {
 public:
  Client(std::shared_ptr<registry::Registry> registry, ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Unary call; blocks the calling thread until done or the deadline.
  Status Call(Context& ctx, const std::string& service, const std::string& method_path,
              const google::protobuf::Message& request, google::protobuf::Message* response,
              const CallOptions& options = {});

  // Unary call that returns at once; `done` runs on a client event thread when the call
  // completes (keep it short). `request` and `response` must outlive the call.
  void CallAsync(Context& ctx, const std::string& service, const std::string& method_path,
                 const google::protobuf::Message& request, google::protobuf::Message* response,
                 std::function<void(Status)> done, const CallOptions& options = {});

  // Opens a streaming call of any kind (server-, client- or bidi-streaming).
  Result<std::unique_ptr<ClientStream>> OpenStream(Context& ctx, const std::string& service,
                                                   const std::string& method_path,
                                                   const CallOptions& options = {});

  // --- middleware (install before the first call; see interceptor.h) ---
  // Around each whole call, first added runs outermost.
  void Use(std::shared_ptr<ClientInterceptor> interceptor);
  // Around each attempt, once a node was chosen.
  void UseAttempt(std::shared_ptr<ClientInterceptor> interceptor);
  // Around the opening of each stream, once a node was chosen (stream_interceptor.h).
  void UseStream(std::shared_ptr<StreamInterceptor> interceptor);
  // Narrows the candidate nodes of every call before the selector picks, in order added.
  void AddRouteFilter(std::shared_ptr<selector::RouteFilter> filter);
  // Load-balances calls to `service` with the named selector (a SelectorPlugins() URL)
  // instead of ClientOptions::selector. Safe to call at any time (hot reload).
  Status SetSelector(const std::string& service, const std::string& selector_url);
  // Replaces ClientOptions::selector for the services without a SetSelector of their own;
  // their selectors start afresh. Fails, changing nothing, on a bad URL. Any time.
  Status SetDefaultSelector(const std::string& selector_url);

  // The registry this client resolves names with.
  registry::Registry& registry() { return *registry_; }

 private:
  class Impl;
  struct Invocation;
  std::shared_ptr<registry::Registry> registry_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace micro::client

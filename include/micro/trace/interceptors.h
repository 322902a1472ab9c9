// The tracing middleware: a server span around every handled call and a client span
// around every attempt of an outgoing call, with OpenTelemetry's RPC semantic conventions.
// micro::Service installs both (see trace.h); by hand:
//
//   server.Use(std::make_shared<micro::trace::ServerTracing>(tracer));
//   client.UseAttempt(std::make_shared<micro::trace::ClientAttemptTracing>(tracer));
//
// ServerTracing continues the caller's `traceparent` (or starts a trace) and puts its own
// span into ctx.trace(), so that calls the handler makes with its Context are children of
// it. ClientAttemptTracing makes each attempt a child of ctx.trace() and sends the
// attempt's own traceparent, so the callee's server span is a child of that attempt.
// Both are thread-safe and shared by all calls.
#pragma once

#include <memory>
#include <string>

#include <micro/client/interceptor.h>
#include <micro/client/stream_interceptor.h>
#include <micro/core/context.h>
#include <micro/http/http.h>
#include <micro/server/middleware.h>
#include <micro/trace/tracer.h>

namespace micro::trace {

class ServerTracing : public server::Interceptor {
 public:
  explicit ServerTracing(std::shared_ptr<const Tracer> tracer) : tracer_(std::move(tracer)) {}

  // server::Interceptor
  Status Intercept(Context& ctx, const server::CallInfo& call, server::Next next) override;

 private:
  std::shared_ptr<const Tracer> tracer_;
};

// Also a stream interceptor: a streaming call is one client span, from its opening to its
// Finish (or to the stream's destruction, then CANCELLED).
class ClientAttemptTracing : public client::ClientInterceptor, public client::StreamInterceptor {
 public:
  // `rpc_system`: the protocol the client speaks ("grpc"; ClientOptions::protocol).
  explicit ClientAttemptTracing(std::shared_ptr<const Tracer> tracer,
                                std::string rpc_system = "grpc")
      : tracer_(std::move(tracer)), rpc_system_(std::move(rpc_system)) {}

  // client::ClientInterceptor
  void Intercept(Context& ctx, client::ClientCall& call, client::ClientNext next,
                 client::Done done) override;
  // client::StreamInterceptor
  client::StreamResult InterceptStream(Context& ctx, const client::StreamCall& call,
                                       client::StreamNext next) override;

 private:
  std::shared_ptr<const Tracer> tracer_;
  std::string rpc_system_;
};

// The span context a Context carries (ctx.trace()): its parsed traceparent with the
// tracestate when that is valid; invalid (valid() false) when there is none or it is bad.
SpanContext FromContext(const Context& ctx);

// For calls made by hand with micro::http::HttpClient: adds ctx's traceparent and
// tracestate headers, so that the receiver continues the trace.
void InjectHeaders(const Context& ctx, micro::http::Headers* headers);

}  // namespace micro::trace

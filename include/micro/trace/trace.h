// Distributed tracing for micro-cpp: W3C Trace Context propagation, spans with
// OpenTelemetry's semantic conventions, samplers, and export as OTLP/HTTP JSON.
//
// A micro::Service traces itself; users only choose where spans go and how many:
//
//   ./greeter --trace.endpoint=http://127.0.0.1:4318 --trace.sampler=parentbased_traceidratio
//             --trace.ratio=0.01
//
// Each handled call gets a server span, each attempt of an outgoing call a client span,
// linked across processes by the `traceparent` header (gRPC metadata or HTTP header).
// docs/tracing.md has the user's guide and the design.
//
// Pieces, for use without micro::Service or for custom spans:
//   span_context.h  traceparent / tracestate parsing and formatting
//   sampler.h       always_on, always_off, traceidratio, parentbased
//   span.h, tracer.h  spans and the tracer that starts them
//   exporter.h      BatchSpanProcessor, OTLP/HTTP JSON exporter
//   interceptors.h  the server and client middleware
//
//   auto tracing = micro::trace::Tracing::Create(options, {.service_name = "greeter"});
//   server.Use(tracing->ServerInterceptor());
//   client.UseAttempt(tracing->ClientInterceptor());
//   client.UseStream(tracing->ClientStreamInterceptor());
//   ...
//   tracing->Shutdown();  // exports what is still queued
//
// Tracing is thread-safe; Shutdown from its owner.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <micro/client/interceptor.h>
#include <micro/core/result.h>
#include <micro/server/middleware.h>
#include <micro/trace/exporter.h>
#include <micro/trace/interceptors.h>
#include <micro/trace/options.h>
#include <micro/trace/sampler.h>
#include <micro/trace/span.h>
#include <micro/trace/span_context.h>
#include <micro/trace/tracer.h>

namespace micro::trace {

// A process's tracing: sampler, tracer and (when an endpoint is set) the batching OTLP
// exporter, with the interceptors that use them.
class Tracing {
 public:
  // INVALID_ARGUMENT naming the key for a bad sampler, ratio or endpoint.
  static Result<std::unique_ptr<Tracing>> Create(const TraceOptions& options, Resource resource);
  // With any processor (tests, custom exporters); null records nothing.
  Tracing(std::shared_ptr<Sampler> sampler, std::shared_ptr<SpanProcessor> processor);
  ~Tracing();  // Shutdown()

  const std::shared_ptr<const Tracer>& tracer() const { return tracer_; }
  std::shared_ptr<server::Interceptor> ServerInterceptor() const { return server_; }
  // A client attempt interceptor for a client speaking `rpc_system` ("grpc").
  std::shared_ptr<client::ClientInterceptor> ClientInterceptor(
      const std::string& rpc_system = "grpc") const;
  // A client stream interceptor (one span per streaming call), likewise.
  std::shared_ptr<client::StreamInterceptor> ClientStreamInterceptor(
      const std::string& rpc_system = "grpc") const;

  // Spans dropped because the export queue was full; 0 without an exporter.
  uint64_t dropped() const;
  // Exports what is queued and stops the exporter. Idempotent.
  void Shutdown();

 private:
  std::shared_ptr<SpanProcessor> processor_;
  std::shared_ptr<BatchSpanProcessor> batcher_;  // processor_ when it is one
  std::shared_ptr<const Tracer> tracer_;
  std::shared_ptr<server::Interceptor> server_;
};

}  // namespace micro::trace

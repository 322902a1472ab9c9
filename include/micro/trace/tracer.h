// Tracer: starts spans — it makes the ids, asks the sampler, and hands ended, sampled
// spans to its SpanProcessor (usually a BatchSpanProcessor in front of the OTLP exporter).
//
//   auto tracer = std::make_shared<micro::trace::Tracer>(micro::trace::AlwaysOnSampler(),
//                                                         processor);
//   micro::trace::Span span = tracer->StartSpan("work", micro::trace::SpanKind::kInternal,
//                                               /*parent=*/nullptr);
//
// Thread-safe; one per process (micro::Service owns it).
#pragma once

#include <memory>
#include <string_view>

#include <micro/trace/sampler.h>
#include <micro/trace/span.h>
#include <micro/trace/span_context.h>

namespace micro::trace {

class Tracer {
 public:
  // A null processor keeps ids and sampling flags flowing (logs and downstream services
  // still see them) but records nothing.
  Tracer(std::shared_ptr<Sampler> sampler, std::shared_ptr<SpanProcessor> processor);

  // A child of `parent` (same trace id, parent span id = parent's span id, tracestate
  // carried on) or, when `parent` is null or invalid, the root of a new trace.
  Span StartSpan(std::string_view name, SpanKind kind, const SpanContext* parent) const;

  const Sampler& sampler() const { return *sampler_; }

 private:
  std::shared_ptr<Sampler> sampler_;
  std::shared_ptr<SpanProcessor> processor_;
};

// Random ids from a per-thread generator; never all zero.
TraceId NewTraceId();
SpanId NewSpanId();

}  // namespace micro::trace

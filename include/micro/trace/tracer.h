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

// A span's name, possibly in pieces ("pkg.Service", "/", "Method") that are joined only
// when the span records: most calls are not sampled, and a joined name is a new string.
class SpanName {
 public:
  SpanName(std::string_view name) : parts_{name, {}, {}} {}         // NOLINT: implicit by design
  SpanName(const char* name) : SpanName(std::string_view(name)) {}  // NOLINT
  SpanName(const std::string& name) : SpanName(std::string_view(name)) {}  // NOLINT
  SpanName(std::string_view first, std::string_view middle, std::string_view last)
      : parts_{first, middle, last} {}

  std::string Join() const {
    std::string s;
    s.reserve(parts_[0].size() + parts_[1].size() + parts_[2].size());
    for (std::string_view part : parts_) s.append(part);
    return s;
  }

 private:
  std::string_view parts_[3];
};

class Tracer {
 public:
  // A null processor keeps ids and sampling flags flowing (logs and downstream services
  // still see them) but records nothing.
  Tracer(std::shared_ptr<Sampler> sampler, std::shared_ptr<SpanProcessor> processor);

  // A child of `parent` (same trace id, parent span id = parent's span id, tracestate
  // carried on) or, when `parent` is null or invalid, the root of a new trace.
  Span StartSpan(const SpanName& name, SpanKind kind, const SpanContext* parent) const;

  const Sampler& sampler() const { return *sampler_; }

 private:
  std::shared_ptr<Sampler> sampler_;
  std::shared_ptr<SpanProcessor> processor_;
};

// Random ids from a per-thread generator; never all zero.
TraceId NewTraceId();
SpanId NewSpanId();

}  // namespace micro::trace

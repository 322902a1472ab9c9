// Samplers decide, when a span starts, whether it is recorded and exported. The decision
// travels with the trace in the `sampled` flag, so that a parent-based sampler keeps a
// trace whole across services: every hop records it or none does.
//
//   auto sampler = micro::trace::NewSampler("parentbased_traceidratio", 0.01);  // 1 %
//
// The names are OpenTelemetry's (OTEL_TRACES_SAMPLER): always_on, always_off,
// traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio.
// Samplers are immutable and thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <micro/core/result.h>
#include <micro/trace/span_context.h>

namespace micro::trace {

class Sampler {
 public:
  virtual ~Sampler() = default;
  // `parent` is the span context the new span continues (local or from the wire), null
  // for a root span; `trace_id` is the new span's (the parent's, or a fresh one).
  virtual bool ShouldSample(const SpanContext* parent, const TraceId& trace_id) const = 0;
  virtual std::string Description() const = 0;
};

std::shared_ptr<Sampler> AlwaysOnSampler();
std::shared_ptr<Sampler> AlwaysOffSampler();
// Keeps a trace when its id's low 8 bytes, read as a number, fall below ratio x 2^64: the
// same trace id gets the same answer in every process. `ratio` is clamped to [0, 1].
std::shared_ptr<Sampler> TraceIdRatioSampler(double ratio);
// Follows the parent's sampled flag; asks `root` only for spans without a parent.
std::shared_ptr<Sampler> ParentBasedSampler(std::shared_ptr<Sampler> root);

// By name (see above); `ratio` is used by the *traceidratio names and must be in [0, 1].
Result<std::shared_ptr<Sampler>> NewSampler(std::string_view name, double ratio);

}  // namespace micro::trace

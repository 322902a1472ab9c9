// The tracing settings of a micro::Service (ServiceOptions::trace), read from the config
// keys trace.sampler, trace.ratio and trace.endpoint. See docs/tracing.md.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace micro::trace {

struct TraceOptions {
  // always_on | always_off | traceidratio | parentbased_always_on |
  // parentbased_always_off | parentbased_traceidratio (OpenTelemetry's names).
  std::string sampler = "parentbased_always_on";
  double ratio = 1.0;  // for the *traceidratio samplers, 0..1
  // OTLP/HTTP receiver, e.g. http://127.0.0.1:4318 (a collector) or http://127.0.0.1:7700
  // (the micro platform); spans go to <endpoint>/v1/traces. Empty: nothing is exported,
  // but trace context is still propagated and ids are still made for logs.
  std::string endpoint;
  std::chrono::milliseconds export_interval{1000};  // longest a span waits in the queue
  size_t queue_size = 2048;                         // spans waiting; more are dropped
};

}  // namespace micro::trace

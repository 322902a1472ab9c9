// Spans: one timed operation of a trace (a handled call, one attempt of an outgoing call),
// with OpenTelemetry's data model — kind, attributes, events and a status.
//
//   micro::trace::Span span = tracer.StartSpan("inventory.Stock/Reserve",
//                                               micro::trace::SpanKind::kInternal, parent);
//   span.SetAttribute("order.items", int64_t{3});
//   span.AddEvent("reserved");
//   if (!s.ok()) span.SetStatus(micro::trace::SpanStatus::kError, s.message());
//   span.End();   // or let it go out of scope
//
// A Span that the sampler dropped still has ids (so that its children and the logs can
// refer to it) but records nothing: its setters are cheap no-ops. A Span belongs to one
// thread at a time; End() hands its record to the tracer's SpanProcessor.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <micro/trace/span_context.h>

namespace micro::trace {

// Values are OTLP's SpanKind numbers.
enum class SpanKind : int { kInternal = 1, kServer = 2, kClient = 3, kProducer = 4, kConsumer = 5 };

// Values are OTLP's Status.code numbers. Instrumentation leaves a successful span kUnset,
// as OpenTelemetry asks; kOk is for an application that wants to say so explicitly.
enum class SpanStatus : int { kUnset = 0, kOk = 1, kError = 2 };

using AttributeValue = std::variant<std::string, int64_t, bool, double>;
using Attribute = std::pair<std::string, AttributeValue>;
using Attributes = std::vector<Attribute>;

struct SpanEvent {
  std::string name;
  int64_t time_unix_nano = 0;
  Attributes attributes;
};

// The record of an ended span, as exporters receive it.
struct SpanData {
  std::string name;
  SpanKind kind = SpanKind::kInternal;
  SpanContext context;    // trace id, span id, flags, tracestate
  SpanId parent_span_id;  // all zero for a root span
  int64_t start_unix_nano = 0;
  int64_t end_unix_nano = 0;
  Attributes attributes;
  std::vector<SpanEvent> events;
  SpanStatus status = SpanStatus::kUnset;
  std::string status_message;  // only with kError
};

// Receives every sampled span when it ends. OnEnd is called on the thread that ended the
// span — a request thread — so it must never block; thread-safe.
class SpanProcessor {
 public:
  virtual ~SpanProcessor() = default;
  virtual void OnEnd(SpanData&& span) = 0;
};

class Span {
 public:
  Span() = default;  // an invalid, non-recording span
  // For Tracer. `data` is null when the span is not recorded.
  Span(SpanContext context, std::unique_ptr<SpanData> data,
       std::shared_ptr<SpanProcessor> processor);
  Span(Span&&) noexcept;
  Span& operator=(Span&&) noexcept;
  ~Span();

  const SpanContext& context() const { return context_; }
  // False when the sampler dropped the span (or it has ended): attributes are not kept.
  bool recording() const { return data_ != nullptr; }
  // The `traceparent` that makes a callee's span a child of this one.
  std::string TraceParent() const { return FormatTraceParent(context_); }

  void SetAttribute(std::string_view key, std::string_view value);
  void SetAttribute(std::string_view key, const char* value) {
    SetAttribute(key, std::string_view(value));
  }
  void SetAttribute(std::string_view key, int64_t value);
  void SetAttribute(std::string_view key, int value) { SetAttribute(key, int64_t{value}); }
  void SetAttribute(std::string_view key, bool value);
  void SetAttribute(std::string_view key, double value);
  void AddEvent(std::string_view name, Attributes attributes = {});
  // The first kError wins over later calls; kOk is final (as OpenTelemetry specifies).
  void SetStatus(SpanStatus status, std::string_view message = {});

  // Stamps the end time and hands the record to the processor; later calls do nothing.
  void End();

 private:
  void Set(std::string_view key, AttributeValue value);

  SpanContext context_;
  std::unique_ptr<SpanData> data_;
  std::shared_ptr<SpanProcessor> processor_;
  std::chrono::steady_clock::time_point start_steady_{};
};

// Nanoseconds since the Unix epoch, now.
int64_t UnixNanosNow();

}  // namespace micro::trace

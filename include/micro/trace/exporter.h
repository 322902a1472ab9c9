// Getting spans out of the process: a BatchSpanProcessor queues ended spans and hands
// them, in batches, to a SpanExporter on its own thread; OtlpHttpExporter sends each batch
// as OTLP/HTTP JSON (`POST <endpoint>/v1/traces`) to an OpenTelemetry collector, Jaeger,
// Tempo, or the micro platform.
//
//   auto exporter = micro::trace::OtlpHttpExporter::Create(
//       "http://127.0.0.1:4318", {.service_name = "greeter", .service_instance_id = "g-1"});
//   auto batcher = std::make_shared<micro::trace::BatchSpanProcessor>(std::move(*exporter));
//   micro::trace::Tracer tracer(micro::trace::AlwaysOnSampler(), batcher);
//   ...
//   batcher->Shutdown();   // exports what is queued, then stops
//
// The queue is bounded: when it is full a span is dropped and counted (dropped()), so a
// slow or absent collector never blocks or grows a request. OnEnd is safe from any
// thread; Shutdown from the owner, once.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <micro/core/result.h>
#include <micro/trace/span.h>

namespace micro::trace {

// Who produced the spans: OTLP's resource.
struct Resource {
  std::string service_name;
  std::string service_instance_id;
  std::string service_version;
  Attributes extra;  // more resource attributes (deployment.environment, host.name, ...)
};

// Sends one batch; called from the BatchSpanProcessor's thread only, so it may block
// (bounded by its own timeout).
class SpanExporter {
 public:
  virtual ~SpanExporter() = default;
  virtual Status Export(const std::vector<SpanData>& batch) = 0;
};

struct BatchOptions {
  size_t max_queue = 2048;                   // spans waiting; more are dropped
  size_t max_batch = 512;                    // spans per Export call
  std::chrono::milliseconds interval{1000};  // longest wait before queued spans go out
};

class BatchSpanProcessor : public SpanProcessor {
 public:
  explicit BatchSpanProcessor(std::unique_ptr<SpanExporter> exporter, BatchOptions options = {});
  ~BatchSpanProcessor() override;  // Shutdown()

  // SpanProcessor: never blocks on the exporter; drops when the queue is full.
  void OnEnd(SpanData&& span) override;

  // Exports everything queued so far; true when it went out before `timeout`.
  bool ForceFlush(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Exports what is queued (each batch bounded by the exporter's own timeout), then stops
  // the thread. Spans ended afterwards are dropped. Idempotent.
  void Shutdown();

  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  // Spans dropped by every BatchSpanProcessor of the process (for a metric).
  static uint64_t DroppedTotal();
  uint64_t exported() const { return exported_.load(std::memory_order_relaxed); }
  // Spans in batches the exporter failed to send (also lost).
  uint64_t failed() const { return failed_.load(std::memory_order_relaxed); }

 private:
  void Run();

  std::unique_ptr<SpanExporter> exporter_;
  BatchOptions options_;
  std::mutex mu_;
  std::condition_variable wake_;     // the export thread waits here
  std::condition_variable flushed_;  // ForceFlush waits here
  std::vector<SpanData> queue_;
  uint64_t enqueued_ = 0;  // spans ever queued (under mu_)
  uint64_t done_ = 0;      // spans ever taken off the queue and handled (under mu_)
  bool flush_requested_ = false;
  bool stopping_ = false;
  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> exported_{0};
  std::atomic<uint64_t> failed_{0};
  std::thread thread_;
};

// OTLP/HTTP JSON: resourceSpans -> resource + scopeSpans -> spans, ids as lower-case hex,
// times as decimal strings of Unix nanoseconds, 64-bit integers as strings, kind and
// status code as OTLP's enum numbers.
std::string EncodeOtlpJson(const Resource& resource, const std::vector<SpanData>& spans);

class OtlpHttpExporter : public SpanExporter {
 public:
  // `endpoint`: "http://host:port" (spans go to /v1/traces) or a URL whose path already
  // ends in /v1/traces. INVALID_ARGUMENT for anything else (https is not supported).
  static Result<std::unique_ptr<OtlpHttpExporter>> Create(
      const std::string& endpoint, Resource resource,
      std::chrono::milliseconds timeout = std::chrono::seconds(5));
  ~OtlpHttpExporter() override;

  // SpanExporter: one POST; UNAVAILABLE when the collector answers other than 2xx.
  Status Export(const std::vector<SpanData>& batch) override;

 private:
  OtlpHttpExporter();
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace micro::trace

#include <micro/trace/trace.h>

namespace micro::trace {

Result<std::unique_ptr<Tracing>> Tracing::Create(const TraceOptions& options, Resource resource) {
  auto sampler = NewSampler(options.sampler, options.ratio);
  if (!sampler.ok()) return sampler.status();
  std::shared_ptr<SpanProcessor> processor;
  if (!options.endpoint.empty()) {
    auto exporter = OtlpHttpExporter::Create(options.endpoint, std::move(resource));
    if (!exporter.ok()) return exporter.status();
    processor = std::make_shared<BatchSpanProcessor>(
        std::move(*exporter),
        BatchOptions{.max_queue = options.queue_size, .interval = options.export_interval});
  }
  return std::make_unique<Tracing>(std::move(*sampler), std::move(processor));
}

Tracing::Tracing(std::shared_ptr<Sampler> sampler, std::shared_ptr<SpanProcessor> processor)
    : processor_(processor),
      batcher_(std::dynamic_pointer_cast<BatchSpanProcessor>(processor)),
      tracer_(std::make_shared<Tracer>(std::move(sampler), std::move(processor))),
      server_(std::make_shared<ServerTracing>(tracer_)) {}

Tracing::~Tracing() { Shutdown(); }

std::shared_ptr<client::ClientInterceptor> Tracing::ClientInterceptor(
    const std::string& rpc_system) const {
  return std::make_shared<ClientAttemptTracing>(tracer_, rpc_system);
}

std::shared_ptr<client::StreamInterceptor> Tracing::ClientStreamInterceptor(
    const std::string& rpc_system) const {
  return std::make_shared<ClientAttemptTracing>(tracer_, rpc_system);
}

uint64_t Tracing::dropped() const { return batcher_ ? batcher_->dropped() : 0; }

void Tracing::Shutdown() {
  if (batcher_) batcher_->Shutdown();
}

}  // namespace micro::trace

#include <micro/trace/span.h>

namespace micro::trace {

int64_t UnixNanosNow() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Span::Span(SpanContext context, std::unique_ptr<SpanData> data,
           std::shared_ptr<SpanProcessor> processor)
    : context_(std::move(context)), data_(std::move(data)), processor_(std::move(processor)) {
  if (data_) {
    if (!processor_) {
      data_.reset();
    } else {
      // Wall clock for the start, a monotonic clock for the duration: a clock step during
      // the span cannot make it negative.
      data_->start_unix_nano = UnixNanosNow();
      start_steady_ = std::chrono::steady_clock::now();
    }
  }
}

Span::Span(Span&&) noexcept = default;

Span& Span::operator=(Span&& other) noexcept {
  if (this != &other) {
    End();
    context_ = std::move(other.context_);
    data_ = std::move(other.data_);
    processor_ = std::move(other.processor_);
    start_steady_ = other.start_steady_;
  }
  return *this;
}

Span::~Span() { End(); }

void Span::Set(std::string_view key, AttributeValue value) {
  for (auto& [k, v] : data_->attributes) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  data_->attributes.emplace_back(std::string(key), std::move(value));
}

void Span::SetAttribute(std::string_view key, std::string_view value) {
  if (data_) Set(key, std::string(value));
}
void Span::SetAttribute(std::string_view key, int64_t value) {
  if (data_) Set(key, value);
}
void Span::SetAttribute(std::string_view key, bool value) {
  if (data_) Set(key, value);
}
void Span::SetAttribute(std::string_view key, double value) {
  if (data_) Set(key, value);
}

void Span::AddEvent(std::string_view name, Attributes attributes) {
  if (!data_) return;
  data_->events.push_back(SpanEvent{std::string(name), UnixNanosNow(), std::move(attributes)});
}

void Span::SetStatus(SpanStatus status, std::string_view message) {
  if (!data_ || data_->status == SpanStatus::kOk || status == SpanStatus::kUnset) return;
  if (data_->status == SpanStatus::kError && status == SpanStatus::kError) return;
  data_->status = status;
  if (status == SpanStatus::kError) {
    data_->status_message.assign(message);
  } else {
    data_->status_message.clear();
  }
}

void Span::End() {
  if (!data_) return;
  auto elapsed = std::chrono::steady_clock::now() - start_steady_;
  data_->end_unix_nano = data_->start_unix_nano +
                         std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count();
  std::unique_ptr<SpanData> data = std::move(data_);
  processor_->OnEnd(std::move(*data));
}

}  // namespace micro::trace

#include <micro/trace/exporter.h>

#include <algorithm>

#include <spdlog/spdlog.h>

namespace micro::trace {

namespace {
std::atomic<uint64_t> dropped_total{0};
}  // namespace

uint64_t BatchSpanProcessor::DroppedTotal() {
  return dropped_total.load(std::memory_order_relaxed);
}

BatchSpanProcessor::BatchSpanProcessor(std::unique_ptr<SpanExporter> exporter, BatchOptions options)
    : exporter_(std::move(exporter)), options_(options) {
  options_.max_queue = std::max<size_t>(options_.max_queue, 1);
  options_.max_batch = std::clamp<size_t>(options_.max_batch, 1, options_.max_queue);
  thread_ = std::thread([this] { Run(); });
}

BatchSpanProcessor::~BatchSpanProcessor() { Shutdown(); }

void BatchSpanProcessor::OnEnd(SpanData&& span) {
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    if (stopping_ || queue_.size() >= options_.max_queue) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      dropped_total.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    queue_.push_back(std::move(span));
    ++enqueued_;
    wake = queue_.size() == options_.max_batch;
  }
  if (wake) wake_.notify_one();
}

bool BatchSpanProcessor::ForceFlush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  uint64_t target = enqueued_;
  if (done_ >= target) return true;
  flush_requested_ = true;
  wake_.notify_one();
  return flushed_.wait_for(lock, timeout, [&] { return done_ >= target; });
}

void BatchSpanProcessor::Shutdown() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      // Another caller is (or was) stopping; only the first one joins.
      return;
    }
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void BatchSpanProcessor::Run() {
  bool failing = false;
  std::unique_lock lock(mu_);
  while (true) {
    wake_.wait_for(lock, options_.interval, [&] {
      return stopping_ || flush_requested_ || queue_.size() >= options_.max_batch;
    });
    bool last = stopping_;
    flush_requested_ = false;
    std::vector<SpanData> batch;
    batch.swap(queue_);
    lock.unlock();
    // Large swaps go out as several batches so that one request stays bounded.
    for (size_t begin = 0; begin < batch.size(); begin += options_.max_batch) {
      size_t end = std::min(batch.size(), begin + options_.max_batch);
      std::vector<SpanData> part;
      if (begin == 0 && end == batch.size()) {
        part = std::move(batch);
      } else {
        part.assign(std::make_move_iterator(batch.begin() + begin),
                    std::make_move_iterator(batch.begin() + end));
      }
      Status s = exporter_->Export(part);
      if (s.ok()) {
        exported_.fetch_add(part.size(), std::memory_order_relaxed);
        failing = false;
      } else {
        failed_.fetch_add(part.size(), std::memory_order_relaxed);
        // Once per outage, not once per batch: a collector that is down stays quiet.
        if (!failing) spdlog::warn("trace export failed (spans are dropped): {}", s.ToString());
        failing = true;
      }
    }
    lock.lock();
    done_ = enqueued_ - queue_.size();
    flushed_.notify_all();
    if (last) return;
  }
}

}  // namespace micro::trace

#include "http/chunk_stream.h"

namespace micro::http {

std::shared_ptr<ChunkWriter> NewChunkWriter() {
  return std::make_shared<internal::ChunkWriterHandle>();
}

namespace internal {

bool ChunkStream::Write(std::string chunk) {
  std::function<void()> wake;
  {
    std::unique_lock lock(mu_);
    if (dead_ || closed_) return false;
    // An empty chunk would read as the end of the body; there is nothing to send anyway.
    if (chunk.empty()) return true;
    if (!t_on_io_thread) {
      cv_.wait(lock, [&] { return dead_ || pending_ <= kHighWater; });
      if (dead_) return false;
    }
    pending_ += chunk.size();
    queue_.push_back(std::move(chunk));
    wake = wake_;
  }
  if (wake) wake();
  return true;
}

void ChunkStream::Close() {
  std::function<void()> wake;
  {
    std::lock_guard lock(mu_);
    if (closed_) return;
    closed_ = true;
    wake = wake_;
  }
  if (wake) wake();
}

void ChunkStream::Bind(std::function<void()> wake) {
  std::lock_guard lock(mu_);
  if (!dead_) wake_ = std::move(wake);
}

ChunkStream::Next ChunkStream::Take(std::string* chunk) {
  std::lock_guard lock(mu_);
  if (dead_) return Next::kEnd;
  if (!queue_.empty()) {
    *chunk = std::move(queue_.front());
    queue_.pop_front();
    return Next::kChunk;
  }
  return closed_ ? Next::kEnd : Next::kIdle;
}

void ChunkStream::Written(size_t bytes) {
  std::lock_guard lock(mu_);
  pending_ -= std::min(pending_, bytes);
  cv_.notify_all();
}

void ChunkStream::Fail() {
  std::function<void()> drop;
  {
    std::lock_guard lock(mu_);
    dead_ = true;
    queue_.clear();
    pending_ = 0;
    drop.swap(wake_);
    cv_.notify_all();
  }
}

}  // namespace internal
}  // namespace micro::http

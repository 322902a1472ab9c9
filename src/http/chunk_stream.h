// The state behind a ChunkWriter: chunks queued by the handler (any thread), taken by the
// connection (its strand) once the response head is out. Internal to libmicro.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include <micro/http/http.h>

namespace micro::http::internal {

// True on an HttpServer io thread, where a ChunkWriter must never wait.
inline thread_local bool t_on_io_thread = false;

class ChunkStream {
 public:
  // Above this many queued bytes, Write waits (off io threads) for the peer to catch up.
  static constexpr size_t kHighWater = 1 << 20;

  // --- handler side, any thread ---
  bool Write(std::string chunk);
  void Close();

  // --- connection side, on its strand ---
  // `wake` asks the connection to call Take() again; set once the head has been written.
  void Bind(std::function<void()> wake);
  enum class Next { kChunk, kIdle, kEnd };
  Next Take(std::string* chunk);
  void Written(size_t bytes);
  // The peer is gone: Write returns false from now on.
  void Fail();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  size_t pending_ = 0;
  bool closed_ = false;
  bool dead_ = false;
  std::function<void()> wake_;
};

// What NewChunkWriter() hands out; closing on destruction ends an abandoned stream.
class ChunkWriterHandle : public ChunkWriter {
 public:
  ChunkWriterHandle() : stream_(std::make_shared<ChunkStream>()) {}
  ~ChunkWriterHandle() override { stream_->Close(); }
  bool Write(std::string chunk) override { return stream_->Write(std::move(chunk)); }
  void Close() override { stream_->Close(); }
  const std::shared_ptr<ChunkStream>& stream() const { return stream_; }

 private:
  std::shared_ptr<ChunkStream> stream_;
};

}  // namespace micro::http::internal

// A fixed pool of worker threads that runs blocking handlers, so that no handler ever
// stalls a transport's event thread (gRPC's completion-queue thread, Asio's io threads).
//
// Post() is thread-safe. Shutdown() finishes queued tasks, then joins the workers.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace micro::runtime {

class ThreadPool {
 public:
  explicit ThreadPool(size_t threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Returns false (and drops nothing: the task is not taken) after Shutdown().
  bool Post(std::function<void()> task);
  void Shutdown();

  size_t threads() const { return workers_.size(); }
  size_t queue_depth() const;

 private:
  void Loop();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace micro::runtime

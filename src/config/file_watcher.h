// Tells when a file may have changed, however it was written: in place, or replaced by a
// rename (as editors and `kubectl` ConfigMap updates do). Internal to libmicro.
//
// inotify watches the file's directory, not the file: a rename replaces the inode a file
// watch would be bound to. Events for the file's name (IN_CLOSE_WRITE, IN_MOVED_TO,
// IN_CREATE) count; when the path is a symlink, any IN_MOVED_TO/IN_CREATE in the directory
// counts too, because Kubernetes swaps a "..data" symlink beside it. A burst of events is
// debounced into one call.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <micro/core/result.h>

namespace micro::config {

class FileWatcher {
 public:
  // Calls `on_change` from its own thread, `debounce` after the last of a burst of events.
  static Result<std::unique_ptr<FileWatcher>> Start(const std::string& path,
                                                    std::chrono::milliseconds debounce,
                                                    std::function<void()> on_change);
  ~FileWatcher();  // Stop()
  FileWatcher(const FileWatcher&) = delete;
  FileWatcher& operator=(const FileWatcher&) = delete;

  // Prompt (wakes the thread through an eventfd). After it returns, `on_change` is not
  // running and will not be called again. Must not be called from `on_change`.
  void Stop();

 private:
  FileWatcher() = default;
  void Run();
  // True when the inotify events now readable concern the file.
  bool DrainEvents();

  std::string name_;  // the file's name within its directory
  bool symlink_ = false;
  std::chrono::milliseconds debounce_{};
  std::function<void()> on_change_;
  int inotify_fd_ = -1;
  int wake_fd_ = -1;
  std::thread thread_;
};

}  // namespace micro::config

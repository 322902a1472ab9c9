#include "config/file_watcher.h"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace micro::config {

namespace {

// Upper bound on one wait, so the thread never sleeps unboundedly even if a wake-up were
// lost.
constexpr int kMaxWaitMs = 1000;

std::string ErrnoText(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

}  // namespace

Result<std::unique_ptr<FileWatcher>> FileWatcher::Start(const std::string& path,
                                                        std::chrono::milliseconds debounce,
                                                        std::function<void()> on_change) {
  std::filesystem::path p(path);
  std::unique_ptr<FileWatcher> w(new FileWatcher());
  w->name_ = p.filename().string();
  std::error_code ec;
  w->symlink_ = std::filesystem::is_symlink(p, ec);
  w->debounce_ = debounce;
  w->on_change_ = std::move(on_change);
  std::string dir = p.parent_path().empty() ? "." : p.parent_path().string();

  w->inotify_fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (w->inotify_fd_ < 0) return Status::Unavailable(ErrnoText("inotify_init1"));
  w->wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (w->wake_fd_ < 0) return Status::Unavailable(ErrnoText("eventfd"));
  uint32_t mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE;
  if (inotify_add_watch(w->inotify_fd_, dir.c_str(), mask) < 0) {
    // ENOSPC here means fs.inotify.max_user_watches is exhausted.
    return Status::Unavailable(ErrnoText(("watching " + dir).c_str()));
  }
  w->thread_ = std::thread([raw = w.get()] { raw->Run(); });
  return w;
}

FileWatcher::~FileWatcher() {
  Stop();
  if (inotify_fd_ >= 0) close(inotify_fd_);
  if (wake_fd_ >= 0) close(wake_fd_);
}

void FileWatcher::Stop() {
  if (!thread_.joinable()) return;
  uint64_t one = 1;
  if (write(wake_fd_, &one, sizeof(one)) < 0) {
    spdlog::warn("config: waking the file watcher failed: {}", std::strerror(errno));
  }
  thread_.join();
}

bool FileWatcher::DrainEvents() {
  bool relevant = false;
  alignas(inotify_event) char buf[16 * 1024];
  while (true) {
    ssize_t n = read(inotify_fd_, buf, sizeof(buf));
    if (n <= 0) break;  // EAGAIN: drained
    for (char* p = buf; p < buf + n;) {
      auto* ev = reinterpret_cast<inotify_event*>(p);
      p += sizeof(inotify_event) + ev->len;
      if (ev->mask & IN_Q_OVERFLOW) {
        relevant = true;  // events were lost; the file may be among them
      } else if (ev->len > 0 && name_ == ev->name) {
        relevant = true;
      } else if (symlink_ && (ev->mask & (IN_MOVED_TO | IN_CREATE))) {
        relevant = true;
      }
    }
  }
  return relevant;
}

void FileWatcher::Run() {
  using Clock = std::chrono::steady_clock;
  bool pending = false;
  Clock::time_point fire_at;
  while (true) {
    int timeout = kMaxWaitMs;
    if (pending) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(fire_at - Clock::now()).count();
      timeout = static_cast<int>(std::clamp<int64_t>(left, 0, kMaxWaitMs));
    }
    pollfd fds[2] = {{inotify_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    int n = poll(fds, 2, timeout);
    if (n < 0 && errno != EINTR) {
      spdlog::error("config: file watch stopped: {}", std::strerror(errno));
      return;
    }
    if (n > 0 && (fds[1].revents & POLLIN)) return;  // Stop()
    if (n > 0 && (fds[0].revents & POLLIN) && DrainEvents()) {
      pending = true;
      fire_at = Clock::now() + debounce_;
    }
    if (pending && Clock::now() >= fire_at) {
      pending = false;
      on_change_();
    }
  }
}

}  // namespace micro::config

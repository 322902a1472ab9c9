#include <micro/config/parse.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "config/file_watcher.h"
#include "config/sources.h"

namespace micro::config {

namespace {

// A config file is small; a huge one is a mistake (or /dev/zero).
constexpr size_t kMaxFileBytes = 16 << 20;
// Editors write in bursts (truncate, write, rename); one reload per burst.
constexpr std::chrono::milliseconds kDebounce(50);

class FileSource : public Source {
 public:
  explicit FileSource(std::string path) : path_(std::move(path)) {}
  ~FileSource() override { StopWatch(); }

  // config::Source
  std::string name() const override { return "file:" + path_; }

  Result<Tree> Load() override {
    std::ifstream in(path_, std::ios::binary);
    if (!in) {
      std::string why = std::strerror(errno);
      return Status::NotFound(name() + ": cannot open: " + why);
    }
    std::string text;
    char chunk[64 * 1024];
    while (in.read(chunk, sizeof(chunk)) || in.gcount() > 0) {
      text.append(chunk, static_cast<size_t>(in.gcount()));
      if (text.size() > kMaxFileBytes) {
        return Status::InvalidArgument(name() + ": larger than " + std::to_string(kMaxFileBytes) +
                                       " bytes");
      }
    }
    if (in.bad()) return Status::Unavailable(name() + ": read failed");
    auto root = ParseDocument(text, FormatFromPath(path_));
    if (!root.ok()) return Status::InvalidArgument(name() + ": " + root.status().message());
    Tree tree;
    tree.root = std::move(root).value();
    return tree;
  }

  Status Watch(std::function<void()> changed) override {
    std::lock_guard lock(mu_);
    if (watcher_) return Status::FailedPrecondition(name() + " is already watched");
    auto w = FileWatcher::Start(path_, kDebounce, std::move(changed));
    if (!w.ok()) return Status(w.status().code(), name() + ": " + w.status().message());
    watcher_ = std::move(w).value();
    return {};
  }

  void StopWatch() override {
    std::unique_ptr<FileWatcher> w;
    {
      std::lock_guard lock(mu_);
      w = std::move(watcher_);
    }
    w.reset();  // joins the watch thread, outside the lock
  }

 private:
  const std::string path_;
  std::mutex mu_;
  std::unique_ptr<FileWatcher> watcher_;
};

}  // namespace

std::unique_ptr<Source> NewFileSource(const std::string& path) {
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(path, ec);
  return std::make_unique<FileSource>(ec ? path : abs.lexically_normal().string());
}

Result<std::unique_ptr<Source>> NewFileSourceFromUrl(const Url& url) {
  if (!url.hosts.empty() || url.path.empty()) {
    return Status::InvalidArgument("expected file:///absolute/path, got " + url.ToString());
  }
  return NewFileSource(url.path);
}

}  // namespace micro::config

// Helpers for the config tests: a temp dir, scoped environment variables, file writes
// (in place or by atomic rename), and a Source the test drives by hand.
#pragma once

#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include <micro/config/source.h>

namespace micro::config::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "micro-config-XXXXXX").string();
    char* made = mkdtemp(tmpl.data());
    EXPECT_NE(made, nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string File(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Sets (or unsets) a variable for the scope, then restores what was there.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, std::optional<std::string> value) : name_(std::move(name)) {
    if (const char* old = getenv(name_.c_str())) old_ = old;
    if (value) {
      setenv(name_.c_str(), value->c_str(), 1);
    } else {
      unsetenv(name_.c_str());
    }
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_.c_str(), old_->c_str(), 1);
    } else {
      unsetenv(name_.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

// Truncates and rewrites `path` in place (IN_CLOSE_WRITE), as `echo > file` does.
inline void WriteInPlace(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  ASSERT_TRUE(out.good()) << path;
}

// Writes a sibling temp file and renames it over `path` (IN_MOVED_TO), as editors and
// config-management tools do: readers see the old file or the new one, never half.
inline void WriteByRename(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  WriteInPlace(tmp, text);
  ASSERT_EQ(std::rename(tmp.c_str(), path.c_str()), 0) << path;
}

// A layer the test controls: set its tree or its error, then Fire() to announce a change
// (the reload then runs on the calling thread).
class FakeSource : public Source {
 public:
  explicit FakeSource(std::string name) : name_(std::move(name)) {}

  void Set(Value root) {
    std::lock_guard lock(mu_);
    root_ = std::move(root);
    error_ = Status();
  }
  void Fail(Status error) {
    std::lock_guard lock(mu_);
    error_ = std::move(error);
  }
  void Fire() {
    std::function<void()> changed;
    {
      std::lock_guard lock(mu_);
      changed = changed_;
    }
    if (changed) changed();
  }
  bool watched() {
    std::lock_guard lock(mu_);
    return static_cast<bool>(changed_);
  }

  // config::Source
  std::string name() const override { return name_; }
  Result<Tree> Load() override {
    std::lock_guard lock(mu_);
    if (!error_.ok()) return error_;
    Tree tree;
    tree.root = root_;
    return tree;
  }
  Status Watch(std::function<void()> changed) override {
    std::lock_guard lock(mu_);
    changed_ = std::move(changed);
    return {};
  }
  void StopWatch() override {
    std::lock_guard lock(mu_);
    changed_ = nullptr;
  }

 private:
  const std::string name_;
  std::mutex mu_;
  Value root_ = Value::Map{};
  Status error_;
  std::function<void()> changed_;
};

}  // namespace micro::config::testing

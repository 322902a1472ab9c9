// The file layer is watched: edits in place and rename-style replaces are seen without a
// restart, a broken edit keeps the last good values, and getters run safely during reloads.
#include <micro/config/config.h>

#include <atomic>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config_test_util.h"
#include "support/wait.h"

namespace micro::config {
namespace {

using micro::testing::WaitFor;
using ::testing::HasSubstr;
using testing::TempDir;
using testing::WriteByRename;
using testing::WriteInPlace;

struct Watched {
  TempDir dir;
  std::string file = dir.File("app.yaml");
  std::unique_ptr<Config> cfg;
  std::atomic<int> changes{0};

  explicit Watched(const std::string& text, std::string key = "") {
    WriteInPlace(file, text);
    auto loaded = Config::Load({.file = file, .env_prefix = ""});
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    if (!loaded.ok()) return;
    cfg = std::move(loaded).value();
    cfg->Watch(std::move(key), [this](const Config&) { ++changes; });
  }
};

TEST(ConfigFileWatch, InPlaceEditIsSeenWithoutRestart) {
  Watched w("server:\n  port: 8080\n");
  ASSERT_TRUE(w.cfg);
  WriteInPlace(w.file, "server:\n  port: 9090\n");
  ASSERT_TRUE(WaitFor([&] { return w.changes.load() >= 1; }));
  EXPECT_EQ(w.cfg->GetInt("server.port").value_or(0), 9090);
  EXPECT_TRUE(w.cfg->LastReloadStatus().ok());
}

TEST(ConfigFileWatch, RenameReplaceIsSeen) {
  Watched w("server:\n  port: 8080\n");
  ASSERT_TRUE(w.cfg);
  WriteByRename(w.file, "server:\n  port: 7070\n");
  ASSERT_TRUE(WaitFor([&] { return w.changes.load() >= 1; }));
  EXPECT_EQ(w.cfg->GetInt("server.port").value_or(0), 7070);
  // And again: the watch survives the inode it started on being replaced.
  WriteByRename(w.file, "server:\n  port: 7071\n");
  ASSERT_TRUE(WaitFor([&] { return w.changes.load() >= 2; }));
  EXPECT_EQ(w.cfg->GetInt("server.port").value_or(0), 7071);
}

TEST(ConfigFileWatch, KubernetesStyleSymlinkSwapIsSeen) {
  // A ConfigMap volume: app.yaml -> ..data/app.yaml, and ..data is a symlink that the
  // kubelet replaces by renaming a new one over it.
  TempDir dir;
  std::filesystem::create_directory(dir.path() / "v1");
  std::filesystem::create_directory(dir.path() / "v2");
  WriteInPlace(dir.File("v1/app.yaml"), "level: info\n");
  WriteInPlace(dir.File("v2/app.yaml"), "level: debug\n");
  std::filesystem::create_directory_symlink("v1", dir.path() / "..data");
  std::filesystem::create_symlink("..data/app.yaml", dir.path() / "app.yaml");
  auto loaded = Config::Load({.file = dir.File("app.yaml"), .env_prefix = ""});
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  auto cfg = std::move(loaded).value();
  std::atomic<int> changes{0};
  cfg->Watch("level", [&](const Config&) { ++changes; });
  EXPECT_EQ(cfg->GetString("level").value_or(""), "info");

  std::filesystem::create_directory_symlink("v2", dir.path() / "..data_tmp");
  std::filesystem::rename(dir.path() / "..data_tmp", dir.path() / "..data");
  ASSERT_TRUE(WaitFor([&] { return changes.load() >= 1; }));
  EXPECT_EQ(cfg->GetString("level").value_or(""), "debug");
}

TEST(ConfigFileWatch, BrokenEditKeepsLastGoodValuesAndReportsTheError) {
  Watched w("server:\n  port: 8080\n  host: a\n");
  ASSERT_TRUE(w.cfg);
  WriteInPlace(w.file, "server:\n  port: 9090\n  host: [unclosed\n");
  ASSERT_TRUE(WaitFor([&] { return !w.cfg->LastReloadStatus().ok(); }));
  Status s = w.cfg->LastReloadStatus();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("file:" + w.file + ": line "));
  EXPECT_EQ(w.cfg->GetInt("server.port").value_or(0), 8080);
  EXPECT_EQ(w.changes.load(), 0);
  // An explicit Reload reports the same error to its caller.
  EXPECT_EQ(w.cfg->Reload().code(), StatusCode::kInvalidArgument);

  WriteInPlace(w.file, "server:\n  port: 9091\n  host: a\n");
  ASSERT_TRUE(WaitFor([&] { return w.changes.load() >= 1; }));
  EXPECT_EQ(w.cfg->GetInt("server.port").value_or(0), 9091);
  EXPECT_TRUE(w.cfg->LastReloadStatus().ok());
}

TEST(ConfigFileWatch, UnwatchStopsFileCallbacks) {
  Watched w("a: 1\n", "a");
  ASSERT_TRUE(w.cfg);
  std::atomic<int> mine{0};
  uint64_t handle = w.cfg->Watch("a", [&](const Config&) { ++mine; });
  WriteInPlace(w.file, "a: 2\n");
  ASSERT_TRUE(WaitFor([&] { return w.changes.load() >= 1 && mine.load() >= 1; }));
  w.cfg->Unwatch(handle);
  WriteInPlace(w.file, "a: 3\n");
  // The fixture's own watcher proves the reload happened; ours must have stayed quiet.
  ASSERT_TRUE(WaitFor([&] { return w.changes.load() >= 2; }));
  EXPECT_EQ(mine.load(), 1);
}

TEST(ConfigFileWatch, DestroyingTheConfigStopsPromptly) {
  TempDir dir;
  std::string file = dir.File("app.yaml");
  WriteInPlace(file, "a: 1\n");
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) {
    auto cfg = Config::Load({.file = file, .env_prefix = ""});
    ASSERT_TRUE(cfg.ok()) << cfg.status();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(ConfigFileWatch, GettersRunConcurrentlyWithReloads) {
  // Every version of the file has a == b; a getter must never see them differ, because it
  // reads one immutable snapshot.
  TempDir dir;
  std::string file = dir.File("app.yaml");
  WriteInPlace(file, "pair: {a: 0, b: 0}\nlist: [0]\n");
  auto loaded = Config::Load({.file = file, .env_prefix = ""});
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  auto cfg = std::move(loaded).value();
  std::atomic<int> callbacks{0};
  cfg->Watch("pair", [&](const Config& c) {
    if (c.GetInt("pair.a").ok()) ++callbacks;
  });

  constexpr int kVersions = 100;
  std::atomic<bool> done{false};
  std::atomic<int> inconsistent{0};
  std::atomic<int64_t> reads{0};
  std::thread reader([&] {
    while (!done.load()) {
      auto pair = cfg->GetValue("pair");
      if (!pair.ok() || !(*pair->Find("a") == *pair->Find("b"))) ++inconsistent;
      (void)cfg->GetInt("pair.a");
      (void)cfg->GetStringList("list");
      (void)cfg->SourceOf("pair.b");
      (void)cfg->Dump();
      ++reads;
    }
  });
  for (int v = 1; v <= kVersions; ++v) {
    std::string n = std::to_string(v);
    WriteByRename(file, "pair: {a: " + n + ", b: " + n + "}\nlist: [" + n + "]\n");
    EXPECT_TRUE(cfg->Reload().ok());  // races the file watcher's own reloads on purpose
  }
  ASSERT_TRUE(WaitFor([&] { return reads.load() > 0; }));
  done = true;
  reader.join();
  EXPECT_EQ(inconsistent.load(), 0);
  EXPECT_EQ(cfg->GetInt("pair.a").value_or(0), kVersions);
  EXPECT_GE(callbacks.load(), 1);
}

}  // namespace
}  // namespace micro::config

// Real processes for integration tests: start a binary with its output in a log file,
// signal it, wait for it with a bounded timeout. The destructor kills (SIGKILL) and reaps
// a process still running, so a failing test never leaves one behind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace micro::testing {

class Process {
 public:
  Process() = default;
  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  ~Process();

  // argv[0] is a path. stdout and stderr go to `log_path`; stdin is /dev/null.
  static Process Start(const std::vector<std::string>& argv, const std::string& log_path);

  pid_t pid() const { return pid_; }
  bool running();
  void Signal(int signo);
  // The exit code (or 128 + signal) once the process ended; nullopt on timeout.
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  const std::string& log_path() const { return log_path_; }
  std::string Log() const;

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::string log_path_;
};

// A port that was free a moment ago on 127.0.0.1, below the ephemeral range when possible.
uint16_t FreePort();
// Directory of the project's binaries (MICRO_BIN_DIR, set by ctest).
std::string BinDir();
std::string SourceDir();
// A fresh temporary directory.
std::string TempDir();
// Runs a shell command, returning its exit code and its stdout.
int RunCommand(const std::string& command, std::string* output = nullptr);

}  // namespace micro::testing

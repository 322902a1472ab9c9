// The closed-loop load generator shared by the raw gRPC and the micro benchmark clients,
// so both measure the same way: `concurrency` calls kept outstanding, a warmup, then a
// measured window whose completed calls, per-call latencies and CPU time (this process
// via getrusage, the server via /proc/<pid>/stat) are printed as one JSON line.
//
//   rpcbench::LoadOptions options;                    // filled from flags by AddFlags
//   rpcbench::LoadRun run(options);
//   // start `concurrency` calls; each completion calls:
//   //   if (run.OnComplete(started_at, ok)) { issue the next call } else { run.Retire(); }
//   run.Run();            // main thread: warmup, measured window, stop
//   run.WaitRetired();    // every outstanding call has come back
//   run.PrintJson("raw");
//
// Plain C++ (no gRPC, no micro), so linking it changes neither side.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace rpcbench {

using Clock = std::chrono::steady_clock;

struct LoadOptions {
  int concurrency = 1;
  int payload = 16;  // bytes in the request (echoed back)
  double warmup_s = 1.0;
  double duration_s = 3.0;
  pid_t server_pid = 0;  // 0: do not measure the server's CPU
};

void AddFlags(CLI::App& app, LoadOptions& options);

// CPU seconds (user + system) of this process, all threads.
double SelfCpuSeconds();
// CPU seconds (user + system) of process `pid`, all threads; -1 when unreadable.
double ProcessCpuSeconds(pid_t pid);

class LoadRun {
 public:
  explicit LoadRun(const LoadOptions& options);

  // A call started at `start` has completed. Thread-safe. Returns whether to issue the
  // next call; when it returns false the caller must call Retire() for this slot.
  bool OnComplete(Clock::time_point start, bool ok);
  // One outstanding slot stops issuing calls.
  void Retire();

  // Main thread: warmup, measured window, then tells slots to stop.
  void Run();
  // Waits until every slot retired (at most `timeout`); false on timeout.
  bool WaitRetired(std::chrono::seconds timeout);
  void PrintJson(const std::string& impl) const;

 private:
  enum Phase : int { kWarmup, kMeasure, kStop };

  LoadOptions options_;
  std::atomic<int> phase_{kWarmup};
  std::vector<uint32_t> latency_ns_;  // preallocated; filled up to count_
  std::atomic<size_t> count_{0};
  std::atomic<uint64_t> errors_{0};
  std::atomic<uint64_t> warmup_errors_{0};

  std::mutex mu_;
  std::condition_variable retired_cv_;
  int live_slots_;

  double window_s_ = 0;
  double client_cpu_s_ = 0;
  double server_cpu_s_ = -1;
};

}  // namespace rpcbench

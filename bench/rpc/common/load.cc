#include "common/load.h"

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include <unistd.h>

#include <CLI/CLI.hpp>

namespace rpcbench {

namespace {

// Latencies kept for percentiles; at most this many calls per window (a few seconds of
// a few hundred thousand calls per second fits; later calls still count for QPS).
constexpr size_t kMaxSamples = size_t{8} << 20;

double Seconds(const timeval& tv) { return tv.tv_sec + tv.tv_usec / 1e6; }

double Percentile(std::vector<uint32_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(p / 100.0 * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(rank, sorted.size() - 1)] / 1000.0;
}

}  // namespace

void AddFlags(CLI::App& app, LoadOptions& options) {
  app.add_option("--concurrency,-c", options.concurrency, "calls kept outstanding")
      ->check(CLI::Range(1, 100000));
  app.add_option("--payload", options.payload, "request payload bytes (echoed back)")
      ->check(CLI::Range(0, 64 << 20));
  app.add_option("--warmup", options.warmup_s, "warmup seconds (not measured)");
  app.add_option("--duration", options.duration_s, "measured seconds");
  app.add_option("--server-pid", options.server_pid, "server process whose CPU time to report");
}

double SelfCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return Seconds(usage.ru_utime) + Seconds(usage.ru_stime);
}

double ProcessCpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return -1;
  // The command name (field 2) may hold spaces; fields are counted after its ')'.
  size_t close = line.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(line.substr(close + 2));
  std::string skip;
  // After ')': state is field 3; utime and stime are fields 14 and 15.
  for (int field = 3; field < 14; ++field) fields >> skip;
  unsigned long long utime = 0, stime = 0;
  if (!(fields >> utime >> stime)) return -1;
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

LoadRun::LoadRun(const LoadOptions& options)
    : options_(options), latency_ns_(kMaxSamples), live_slots_(options.concurrency) {}

bool LoadRun::OnComplete(Clock::time_point start, bool ok) {
  int phase = phase_.load(std::memory_order_acquire);
  if (phase == kStop) return false;
  if (phase == kMeasure) {
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count();
    size_t i = count_.fetch_add(1, std::memory_order_relaxed);
    if (i < latency_ns_.size()) {
      latency_ns_[i] = static_cast<uint32_t>(std::min<int64_t>(ns, UINT32_MAX));
    }
    if (!ok) errors_.fetch_add(1, std::memory_order_relaxed);
  } else if (!ok) {
    warmup_errors_.fetch_add(1, std::memory_order_relaxed);
  }
  return true;
}

void LoadRun::Retire() {
  std::lock_guard lock(mu_);
  if (--live_slots_ == 0) retired_cv_.notify_all();
}

void LoadRun::Run() {
  std::this_thread::sleep_for(std::chrono::duration<double>(options_.warmup_s));
  double server0 = options_.server_pid ? ProcessCpuSeconds(options_.server_pid) : -1;
  double client0 = SelfCpuSeconds();
  auto t0 = Clock::now();
  phase_.store(kMeasure, std::memory_order_release);

  std::this_thread::sleep_for(std::chrono::duration<double>(options_.duration_s));

  phase_.store(kStop, std::memory_order_release);
  auto t1 = Clock::now();
  double client1 = SelfCpuSeconds();
  double server1 = options_.server_pid ? ProcessCpuSeconds(options_.server_pid) : -1;
  window_s_ = std::chrono::duration<double>(t1 - t0).count();
  client_cpu_s_ = client1 - client0;
  if (server0 >= 0 && server1 >= 0) server_cpu_s_ = server1 - server0;
}

bool LoadRun::WaitRetired(std::chrono::seconds timeout) {
  std::unique_lock lock(mu_);
  return retired_cv_.wait_for(lock, timeout, [&] { return live_slots_ == 0; });
}

void LoadRun::PrintJson(const std::string& impl) const {
  size_t calls = count_.load();
  std::vector<uint32_t> sorted(latency_ns_.begin(),
                               latency_ns_.begin() + std::min(calls, latency_ns_.size()));
  std::sort(sorted.begin(), sorted.end());
  double qps = window_s_ > 0 ? static_cast<double>(calls) / window_s_ : 0;
  std::printf(
      "{\"impl\":\"%s\",\"payload\":%d,\"concurrency\":%d,\"window_s\":%.3f,\"calls\":%zu,"
      "\"errors\":%llu,\"warmup_errors\":%llu,\"qps\":%.1f,\"p50_us\":%.1f,\"p90_us\":%.1f,"
      "\"p99_us\":%.1f,\"client_cpu_s\":%.3f,\"server_cpu_s\":%.3f}\n",
      impl.c_str(), options_.payload, options_.concurrency, window_s_, calls,
      static_cast<unsigned long long>(errors_.load()),
      static_cast<unsigned long long>(warmup_errors_.load()), qps, Percentile(sorted, 50),
      Percentile(sorted, 90), Percentile(sorted, 99), client_cpu_s_, server_cpu_s_);
  std::fflush(stdout);
}

}  // namespace rpcbench

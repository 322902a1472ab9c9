// Process metrics from Linux /proc and worker-pool metrics, read at scrape time.
#include <micro/metrics/collectors.h>

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>

namespace micro::metrics {

namespace {

struct ProcStat {
  double cpu_seconds = 0;
  double threads = 0;
  double start_time_seconds = 0;  // unix time
  double virtual_bytes = 0;
  double resident_bytes = 0;
  bool ok = false;
};

double BootTimeSeconds() {
  std::ifstream in("/proc/stat");
  std::string key;
  double value = 0;
  while (in >> key) {
    if (key == "btime") {
      in >> value;
      return value;
    }
    in.ignore(1 << 20, '\n');
  }
  return 0;
}

ProcStat ReadProcStat() {
  ProcStat out;
  std::ifstream in("/proc/self/stat");
  std::string line;
  if (!std::getline(in, line)) return out;
  // The command name (field 2) is in parentheses and may contain spaces: parse after it.
  size_t close = line.rfind(')');
  if (close == std::string::npos) return out;
  std::istringstream rest(line.substr(close + 2));
  // Fields from 3 (state) on; see proc(5).
  std::vector<std::string> f;
  std::string token;
  while (rest >> token) f.push_back(token);
  auto field = [&](size_t n) { return n - 3 < f.size() ? std::stod(f[n - 3]) : 0.0; };
  static const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  static const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  static const double boot = BootTimeSeconds();
  out.cpu_seconds = (field(14) + field(15)) / ticks;  // utime + stime
  out.threads = field(20);
  out.start_time_seconds = boot + field(22) / ticks;
  out.virtual_bytes = field(23);
  out.resident_bytes = field(24) * page;
  out.ok = f.size() >= 22;
  return out;
}

double OpenFds() {
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return 0;
  double n = 0;
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] != '.') ++n;
  }
  closedir(dir);
  return n - 1;  // the descriptor of the listing itself
}

FamilySnapshot Single(const char* name, const char* help, MetricType type, double value) {
  return FamilySnapshot{.name = name, .help = help, .type = type, .samples = {{name, {}, value}}};
}

void CollectProcess(std::vector<FamilySnapshot>* out) {
  ProcStat st = ReadProcStat();
  if (st.ok) {
    out->push_back(Single("process_cpu_seconds_total",
                          "Total user and system CPU time spent in seconds.", MetricType::kCounter,
                          st.cpu_seconds));
    out->push_back(Single("process_resident_memory_bytes", "Resident memory size in bytes.",
                          MetricType::kGauge, st.resident_bytes));
    out->push_back(Single("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                          MetricType::kGauge, st.virtual_bytes));
    out->push_back(Single("process_threads", "Number of OS threads in the process.",
                          MetricType::kGauge, st.threads));
    out->push_back(Single("process_start_time_seconds",
                          "Start time of the process since unix epoch in seconds.",
                          MetricType::kGauge, st.start_time_seconds));
  }
  out->push_back(Single("process_open_fds", "Number of open file descriptors.", MetricType::kGauge,
                        OpenFds()));
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0) {
    double max = lim.rlim_cur == RLIM_INFINITY ? 0 : static_cast<double>(lim.rlim_cur);
    out->push_back(Single("process_max_fds", "Maximum number of open file descriptors.",
                          MetricType::kGauge, max));
  }
}

// Collectors that report one family per process but several series (one per service)
// append to an existing snapshot of the same name when there is one.
FamilySnapshot& FamilyIn(std::vector<FamilySnapshot>* out, const char* name, const char* help,
                         MetricType type) {
  for (auto& f : *out) {
    if (f.name == name) return f;
  }
  out->push_back(FamilySnapshot{.name = name, .help = help, .type = type});
  return out->back();
}

}  // namespace

void AddProcessCollector(Registry& registry) {
  static std::mutex mu;
  static std::set<const Registry*> added;
  std::lock_guard lock(mu);
  if (!added.insert(&registry).second) return;
  registry.AddCollector(CollectProcess);
}

uint64_t AddThreadPoolCollector(Registry& registry, std::string service,
                                const runtime::ThreadPool* pool) {
  // The pool's size is fixed once built; reading it later would race with Shutdown().
  double threads = static_cast<double>(pool->threads());
  return registry.AddCollector(
      [service = std::move(service), pool, threads](std::vector<FamilySnapshot>* out) {
        FamilyIn(out, "micro_worker_pool_queue_depth",
                 "Tasks waiting for a worker thread of the server's pool.", MetricType::kGauge)
            .samples.push_back({"micro_worker_pool_queue_depth",
                                {{"service", service}},
                                static_cast<double>(pool->queue_depth())});
        FamilyIn(out, "micro_worker_pool_threads", "Worker threads of the server's pool.",
                 MetricType::kGauge)
            .samples.push_back({"micro_worker_pool_threads", {{"service", service}}, threads});
      });
}

}  // namespace micro::metrics

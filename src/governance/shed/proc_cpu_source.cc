// ProcCpuSource: whole-machine CPU usage from /proc/stat, sampled on a background thread
// (file reads never happen on a call's path) and smoothed by an EWMA.
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>

#include <micro/governance/shedder.h>

namespace micro::governance {
namespace {

struct Jiffies {
  unsigned long long busy = 0, total = 0;
};

bool ReadProcStat(Jiffies* out) {
  std::FILE* f = std::fopen("/proc/stat", "r");
  if (f == nullptr) return false;
  unsigned long long v[8] = {};
  int n = std::fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
                      &v[4], &v[5], &v[6], &v[7]);
  std::fclose(f);
  if (n < 4) return false;
  // user nice system idle iowait irq softirq steal; guest time is already inside user.
  unsigned long long idle = v[3] + v[4];
  out->total = 0;
  for (unsigned long long x : v) out->total += x;
  out->busy = out->total - idle;
  return true;
}

}  // namespace

Status ProcCpuOptions::Validate() const {
  if (interval < std::chrono::milliseconds(10) || interval > std::chrono::seconds(60)) {
    return Status::InvalidArgument("interval: must be 10ms .. 60s");
  }
  if (!(decay >= 0 && decay < 1)) return Status::InvalidArgument("decay: must be in [0, 1)");
  return Status::Ok();
}

struct ProcCpuSource::Sampler {
  std::mutex mu;
  std::condition_variable cv;
  bool stop = false;
  std::thread thread;
};

ProcCpuSource::ProcCpuSource(ProcCpuOptions options) : sampler_(std::make_unique<Sampler>()) {
  sampler_->thread = std::thread([this, options] {
    Jiffies last;
    bool have_last = ReadProcStat(&last);
    std::unique_lock lock(sampler_->mu);
    while (!sampler_->cv.wait_for(lock, options.interval, [this] { return sampler_->stop; })) {
      Jiffies now;
      if (!ReadProcStat(&now)) continue;
      if (have_last && now.total > last.total) {
        double current =
            static_cast<double>(now.busy - last.busy) / static_cast<double>(now.total - last.total);
        double smoothed =
            usage_.load(std::memory_order_relaxed) * options.decay + current * (1 - options.decay);
        usage_.store(smoothed, std::memory_order_relaxed);
      }
      last = now;
      have_last = true;
    }
  });
}

ProcCpuSource::~ProcCpuSource() {
  {
    std::lock_guard lock(sampler_->mu);
    sampler_->stop = true;
  }
  sampler_->cv.notify_all();
  sampler_->thread.join();
}

const ProcCpuSource& ProcCpuSource::Shared() {
  // Leaked on purpose: interceptors holding it may outlive static destruction order.
  static const ProcCpuSource* source = new ProcCpuSource();
  return *source;
}

}  // namespace micro::governance

// Helper process for redis_limiter_test: offers more load than a shared RedisLimiter allows,
// from an agreed wall-clock start for a fixed duration, and prints what it admitted per
// slice of time:
//   slice <index> <admitted> <degraded 0|1>
//   total <admitted> max_acquire_us <slowest TryAcquire>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <micro/governance/redis_limiter.h>

namespace {

std::string Arg(int argc, char** argv, const std::string& name, const std::string& fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (argv[i] == "--" + name) return argv[i + 1];
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace std::chrono;
  micro::governance::RedisLimiterOptions options{
      .url = Arg(argc, argv, "url", "redis://127.0.0.1:6379"),
      .key = Arg(argc, argv, "key", "micro-test"),
      .rate = std::stod(Arg(argc, argv, "rate", "400")),
      .burst = std::stoll(Arg(argc, argv, "burst", "40")),
      .expected_processes = std::stoi(Arg(argc, argv, "expected", "4")),
      .reconnect_max = milliseconds(std::stoi(Arg(argc, argv, "reconnect-max-ms", "1000"))),
  };
  const int64_t start_ms = std::stoll(Arg(argc, argv, "start-ms", "0"));
  const int64_t duration_ms = std::stoll(Arg(argc, argv, "duration-ms", "10000"));
  const int64_t slice_ms = std::stoll(Arg(argc, argv, "slice-ms", "500"));
  const int64_t pause_us = std::stoll(Arg(argc, argv, "pause-us", "500"));

  auto limiter = micro::governance::RedisLimiter::Create(options);
  if (!limiter.ok()) {
    std::fprintf(stderr, "bad options: %s\n", limiter.status().ToString().c_str());
    return 2;
  }
  const auto start = system_clock::time_point(milliseconds(start_ms));
  const auto end = start + milliseconds(duration_ms);
  std::this_thread::sleep_until(start);

  const size_t slices = static_cast<size_t>((duration_ms + slice_ms - 1) / slice_ms);
  std::vector<int64_t> admitted(slices, 0);
  std::vector<int> degraded(slices, 0);
  int64_t total = 0;
  int64_t slowest_us = 0;
  for (auto now = system_clock::now(); now < end; now = system_clock::now()) {
    const size_t slice =
        static_cast<size_t>(duration_cast<milliseconds>(now - start).count() / slice_ms);
    const auto t0 = steady_clock::now();
    const bool ok = (*limiter)->TryAcquire();
    slowest_us = std::max<int64_t>(slowest_us,
                                   duration_cast<microseconds>(steady_clock::now() - t0).count());
    if (slice < slices) {
      if (ok) ++admitted[slice];
      if ((*limiter)->degraded()) degraded[slice] = 1;
    }
    if (ok) ++total;
    std::this_thread::sleep_for(microseconds(pause_us));
  }
  for (size_t i = 0; i < slices; ++i) {
    std::printf("slice %zu %lld %d\n", i, static_cast<long long>(admitted[i]), degraded[i]);
  }
  std::printf("total %lld max_acquire_us %lld\n", static_cast<long long>(total),
              static_cast<long long>(slowest_us));
  std::fflush(stdout);
  return 0;
}

// ns/op of the rate-limit, bulkhead and shedder hot paths, 1 and 2 threads:
//   build/bin/hotpath_bench --benchmark_filter='Limit|Bulkhead|Shed'
// Limiters are configured so that they (almost) always admit: the cost measured is the
// decision itself, not an early "no".
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include <micro/core/clock.h>
#include <micro/governance/bulkhead.h>
#include <micro/governance/limiter.h>
#include <micro/governance/rate_limit.h>
#include <micro/governance/shedder.h>

namespace {

using namespace micro::governance;

constexpr double kHuge = 1e9;

template <typename L>
void BM_Limiter(benchmark::State& state, L* limiter) {
  for (auto _ : state) benchmark::DoNotOptimize(limiter->TryAcquire());
}

TokenBucket& SharedTokenBucket() {
  static TokenBucket bucket({.rate = kHuge, .burst = int64_t{1} << 32});
  return bucket;
}
SlidingWindow& SharedSlidingWindow() {
  // Saturates: after the limit, the cost is the rejected path (same arithmetic, no CAS).
  static SlidingWindow window({.limit = SlidingWindow::kMaxLimit});
  return window;
}
LeakyBucket& SharedLeakyBucket() {
  static LeakyBucket bucket({.rate = kHuge, .queue_depth = int64_t{1} << 32});
  return bucket;
}
KeyedLimiter& SharedKeyed() {
  static KeyedLimiter keyed(
      {.limiter = TokenBucketOptions{.rate = kHuge, .burst = int64_t{1} << 32}});
  return keyed;
}

// Baseline: most of a limiter's cost is reading the clock.
void BM_LimitClockNow(benchmark::State& state) {
  const micro::Clock& clock = micro::Clock::Real();
  for (auto _ : state) benchmark::DoNotOptimize(clock.Now());
}

void BM_LimitTokenBucket(benchmark::State& state) { BM_Limiter(state, &SharedTokenBucket()); }
void BM_LimitSlidingWindow(benchmark::State& state) { BM_Limiter(state, &SharedSlidingWindow()); }
void BM_LimitLeakyBucket(benchmark::State& state) { BM_Limiter(state, &SharedLeakyBucket()); }

void BM_LimitKeyedOneKey(benchmark::State& state) {
  KeyedLimiter& keyed = SharedKeyed();
  for (auto _ : state) benchmark::DoNotOptimize(keyed.TryAcquire("10.1.2.3"));
}

void BM_LimitKeyedPerThreadKey(benchmark::State& state) {
  KeyedLimiter& keyed = SharedKeyed();
  const std::string key = "caller-" + std::to_string(state.thread_index());
  for (auto _ : state) benchmark::DoNotOptimize(keyed.TryAcquire(key));
}

// The handler: nothing to do.
class Ok final : public micro::server::Interceptor {
 public:
  micro::Status Intercept(micro::Context&, const micro::server::CallInfo&,
                          micro::server::Next) override {
    return micro::Status::Ok();
  }
};

void BM_LimitInterceptorPerIp(benchmark::State& state) {
  static auto limits =
      RateLimitInterceptor::Create(
          {{.method = "*",
            .by = LimitBy::kIp,
            .limiter = TokenBucketOptions{.rate = kHuge, .burst = int64_t{1} << 32}}})
          .value();
  static micro::server::Method method = [] {
    micro::server::Method m;
    m.service = "helloworld.Greeter";
    m.name = "SayHello";
    return m;
  }();
  micro::server::Chain chain;
  chain.Add(limits);
  chain.Add(std::make_shared<Ok>());
  micro::Context ctx;
  ctx.set_peer("10.0.0." + std::to_string(state.thread_index()) + ":5000");
  micro::server::CallInfo call{.method = method, .transport = "grpc"};
  for (auto _ : state) benchmark::DoNotOptimize(chain.Run(ctx, call));
}

void BM_BulkheadEnterLeave(benchmark::State& state) {
  static Bulkhead bulkhead({.max_concurrent = 1 << 20});
  for (auto _ : state) {
    benchmark::DoNotOptimize(bulkhead.TryEnter());
    bulkhead.Leave();
  }
}

class FixedCpu final : public CpuSource {
 public:
  explicit FixedCpu(double v) : v_(v) {}
  double Usage() const override { return v_; }

 private:
  double v_;
};

// Cool CPU: the common path (one CPU read, in-flight accounting, one bucket record).
void BM_ShedderAllowPassCool(benchmark::State& state) {
  static FixedCpu cpu(0.1);
  static Shedder shedder({}, cpu);
  for (auto _ : state) shedder.Pass(*shedder.Allow());
}

// Hot CPU: every Allow also computes the max-in-flight estimate over the window.
void BM_ShedderAllowPassHot(benchmark::State& state) {
  static FixedCpu cpu(0.99);
  static Shedder shedder({}, cpu);
  for (auto _ : state) {
    if (auto a = shedder.Allow()) shedder.Pass(*a);
  }
}

}  // namespace

BENCHMARK(BM_LimitClockNow)->Threads(1);
BENCHMARK(BM_LimitTokenBucket)->Threads(1)->Threads(2);
BENCHMARK(BM_LimitSlidingWindow)->Threads(1)->Threads(2);
BENCHMARK(BM_LimitLeakyBucket)->Threads(1)->Threads(2);
BENCHMARK(BM_LimitKeyedOneKey)->Threads(1)->Threads(2);
BENCHMARK(BM_LimitKeyedPerThreadKey)->Threads(1)->Threads(2);
BENCHMARK(BM_LimitInterceptorPerIp)->Threads(1)->Threads(2);
BENCHMARK(BM_BulkheadEnterLeave)->Threads(1)->Threads(2);
BENCHMARK(BM_ShedderAllowPassCool)->Threads(1)->Threads(2);
BENCHMARK(BM_ShedderAllowPassHot)->Threads(1)->Threads(2);

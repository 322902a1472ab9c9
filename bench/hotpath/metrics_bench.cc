// ns/op of the metric updates on a call's path, with 1 and 2 threads updating the same
// series (handles looked up once and cached, as the RPC interceptors do):
//   build/bin/hotpath_bench --benchmark_filter=Metrics
// Baselines in the same run: one shared std::atomic fetch_add (what a naive counter costs
// under contention) and a Family::WithLabels lookup (what not caching the handle costs).
#include <atomic>
#include <chrono>

#include <benchmark/benchmark.h>

#include <micro/metrics/metrics.h>

namespace {

using micro::metrics::Counter;
using micro::metrics::Family;
using micro::metrics::Histogram;
using micro::metrics::Registry;

Registry& BenchRegistry() {
  static auto* r = new Registry();
  return *r;
}

Family<Counter>& Requests() {
  static Family<Counter>* f = *BenchRegistry().AddCounter(
      {.name = "bench_requests_total", .help = "Bench.", .labels = {"service", "method", "code"}});
  return *f;
}

Histogram& Latency() {
  static Histogram* h = &(*BenchRegistry().AddHistogram({.name = "bench_request_duration_seconds",
                                                         .help = "Bench.",
                                                         .labels = {"service", "method"}}))
                             ->WithLabels({"helloworld.Greeter", "SayHello"});
  return *h;
}

void BM_MetricsCounterInc(benchmark::State& state) {
  Counter& c = Requests().WithLabels({"helloworld.Greeter", "SayHello", "OK"});
  for (auto _ : state) c.Inc();
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MetricsCounterInc)->Threads(1)->Threads(2)->UseRealTime();

void BM_MetricsHistogramObserve(benchmark::State& state) {
  Histogram& h = Latency();
  double v = 0.0001 * (state.thread_index() + 1);
  for (auto _ : state) {
    h.Observe(v);
    v = v < 5 ? v * 1.7 : 0.0001;  // walk the buckets
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MetricsHistogramObserve)->Threads(1)->Threads(2)->UseRealTime();

// The three updates the server interceptor makes per call, plus its two clock reads.
void BM_MetricsServerCallUpdates(benchmark::State& state) {
  Counter& c = Requests().WithLabels({"helloworld.Greeter", "SayHello", "OK"});
  Histogram& h = Latency();
  static auto& in_flight =
      (*BenchRegistry().AddGauge({.name = "bench_in_flight", .help = "Bench."}))->WithLabels({});
  for (auto _ : state) {
    in_flight.Inc();
    auto start = std::chrono::steady_clock::now();
    h.Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    c.Inc();
    in_flight.Dec();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MetricsServerCallUpdates)->Threads(1)->Threads(2)->UseRealTime();

std::atomic<uint64_t> shared_counter{0};
void BM_MetricsBaselineSharedAtomic(benchmark::State& state) {
  for (auto _ : state) shared_counter.fetch_add(1, std::memory_order_relaxed);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MetricsBaselineSharedAtomic)->Threads(1)->Threads(2)->UseRealTime();

void BM_MetricsWithLabelsLookup(benchmark::State& state) {
  for (auto _ : state) {
    Requests().WithLabels({"helloworld.Greeter", "SayHello", "OK"}).Inc();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MetricsWithLabelsLookup)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace

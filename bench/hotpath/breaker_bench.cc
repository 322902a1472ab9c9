// ns/op of the circuit-breaker hot paths, 1 and 2 threads sharing one breaker:
//   build/bin/hotpath_bench --benchmark_filter=Breaker
// Allow+Record on a closed breaker (the steady state every call pays), the method
// breaker interceptor around a no-op call, and the endpoint RouteFilter while every
// breaker is closed.
#include <memory>
#include <vector>

#include <benchmark/benchmark.h>

#include <micro/core/clock.h>
#include <micro/governance/endpoint_breaker.h>
#include <micro/governance/hystrix_breaker.h>
#include <micro/governance/method_breaker.h>
#include <micro/governance/sre_breaker.h>

#include "support/nodes.h"

namespace {

using namespace micro::governance;
using namespace std::chrono_literals;

template <typename B>
void AllowRecord(benchmark::State& state, B& breaker) {
  for (auto _ : state) {
    Permit p = breaker.Allow();
    breaker.Record(p, true, 1ms);
    benchmark::DoNotOptimize(p);
  }
}

void BM_BreakerHystrixAllowRecord(benchmark::State& state) {
  static HystrixBreaker breaker;
  AllowRecord(state, breaker);
}
void BM_BreakerSreAllowRecord(benchmark::State& state) {
  static SreThrottle breaker;
  AllowRecord(state, breaker);
}
void BM_BreakerHystrixAllowOnly(benchmark::State& state) {
  static HystrixBreaker breaker;
  for (auto _ : state) benchmark::DoNotOptimize(breaker.Allow());
}

void Terminal(void*, micro::Context&, micro::client::ClientCall&, micro::client::Done done) {
  done(micro::Status::Ok());
}

void BM_BreakerMethodIntercept(benchmark::State& state) {
  static auto chain = new std::vector<std::shared_ptr<micro::client::ClientInterceptor>>{
      std::make_shared<MethodBreakerInterceptor>()};
  micro::Context ctx;
  micro::client::ClientCall call{.service = "inventory", .method = "/shop.Inventory/Reserve"};
  for (auto _ : state) {
    micro::client::ClientNext(chain, 0, &Terminal, nullptr)(
        ctx, call, [](micro::Status s) { benchmark::DoNotOptimize(s); });
  }
}

void BM_BreakerEndpointFilterAllClosed(benchmark::State& state) {
  static auto* breakers = new EndpointBreakers();
  auto nodes = micro::testing::NodesOf(3);
  micro::Context ctx;
  for (auto _ : state) {
    std::vector<const micro::registry::Node*>& pointers = nodes.pointers();
    micro::selector::NodeSet set(pointers);
    breakers->Filter(ctx, {"inventory", "/shop.Inventory/Reserve"}, set);
    benchmark::DoNotOptimize(set.size());
  }
}

BENCHMARK(BM_BreakerHystrixAllowRecord)->Threads(1)->Threads(2);
BENCHMARK(BM_BreakerHystrixAllowOnly)->Threads(1)->Threads(2);
BENCHMARK(BM_BreakerSreAllowRecord)->Threads(1)->Threads(2);
BENCHMARK(BM_BreakerMethodIntercept)->Threads(1)->Threads(2);
BENCHMARK(BM_BreakerEndpointFilterAllClosed)->Threads(1)->Threads(2);

}  // namespace

#include <micro/governance/random.h>

#include <memory>
#include <mutex>
#include <random>

namespace micro::governance {
namespace {

// 53 random bits -> [0, 1).
double ToUnit(uint64_t bits) { return static_cast<double>(bits >> 11) * 0x1.0p-53; }

}  // namespace

RandomFn DefaultRandom() {
  return [] {
    thread_local std::mt19937_64 gen{std::random_device{}()};
    return ToUnit(gen());
  };
}

RandomFn SeededRandom(uint64_t seed) {
  struct State {
    std::mutex mu;
    std::mt19937_64 gen;
  };
  auto state = std::make_shared<State>();
  state->gen.seed(seed);
  return [state] {
    std::lock_guard lock(state->mu);
    return ToUnit(state->gen());
  };
}

}  // namespace micro::governance

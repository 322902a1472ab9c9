// LimiterConfig: the algorithm of a rule as data, and the one place that turns it into a
// limiter.
#include <micro/governance/limiter.h>

namespace micro::governance {
namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace

Status ValidateLimiterConfig(const LimiterConfig& config) {
  return std::visit([](const auto& options) { return options.Validate(); }, config);
}

std::unique_ptr<Limiter> NewLimiter(const LimiterConfig& config, const Clock& clock) {
  return std::visit(Overloaded{
                        [&](const TokenBucketOptions& o) -> std::unique_ptr<Limiter> {
                          return std::make_unique<TokenBucket>(o, clock);
                        },
                        [&](const SlidingWindowOptions& o) -> std::unique_ptr<Limiter> {
                          return std::make_unique<SlidingWindow>(o, clock);
                        },
                        [&](const LeakyBucketOptions& o) -> std::unique_ptr<Limiter> {
                          return std::make_unique<LeakyBucket>(o, clock);
                        },
                    },
                    config);
}

}  // namespace micro::governance

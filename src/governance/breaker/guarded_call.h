// The one way a circuit breaker guards a client call, shared by the per-method breaker
// (call chain) and the per-endpoint breakers (attempt chain).
#pragma once

#include <memory>
#include <string>
#include <utility>

#include <micro/client/interceptor.h>
#include <micro/core/clock.h>
#include <micro/governance/breaker.h>
#include <micro/governance/code_set.h>
#include <micro/governance/metrics.h>

namespace micro::governance::internal {

// A breaker and the codes it counts as failures, shared with the calls it guards.
struct GuardedBreaker {
  std::unique_ptr<CircuitBreaker> breaker;
  CodeSet failure_codes;
  const BreakerCounters* counters = nullptr;  // null without GovernanceMetrics
};

// Sends the call on through `next` when the breaker admits it and records how it ended (a
// call its own caller cancelled proves nothing: it only hands its permit back). While the
// breaker is open the call fails at once with UNAVAILABLE and open_message().
template <typename MakeMessage>
void RunGuarded(std::shared_ptr<GuardedBreaker> guard, const Clock& clock, Context& ctx,
                client::ClientCall& call, client::ClientNext next, client::Done done,
                MakeMessage open_message) {
  Permit permit = guard->breaker->Allow();
  if (!permit) {
    if (guard->counters) guard->counters->rejections->Inc();
    done(Status::Unavailable(open_message()));
    return;
  }
  auto start = clock.Now();
  next(ctx, call,
       [&clock, &ctx, guard = std::move(guard), permit, start, done = std::move(done)](Status s) {
         if (s.code() == StatusCode::kCancelled && ctx.cancelled()) {
           guard->breaker->Release(permit);
         } else {
           guard->breaker->Record(permit, !guard->failure_codes.Contains(s.code()),
                                  clock.Now() - start);
         }
         done(std::move(s));
       });
}

}  // namespace micro::governance::internal

// ShedderInterceptor: a Shedder around every call but the exempt ones.
#include <string>

#include <micro/governance/metrics.h>
#include <micro/governance/shedder.h>

#include "governance/limit/method_table.h"

namespace micro::governance {

Status ShedderInterceptorOptions::Validate() const {
  if (Status s = shedder.Validate(); !s.ok()) {
    return Status::InvalidArgument("shedder." + s.message());
  }
  for (size_t i = 0; i < exempt.size(); ++i) {
    MICRO_RETURN_IF_ERROR(
        internal::ValidateMethodPattern(exempt[i], "exempt[" + std::to_string(i) + "]"));
  }
  return Status::Ok();
}

struct ShedderInterceptor::State {
  ShedderInterceptorOptions options;
  std::shared_ptr<Shedder> shedder;
};

ShedderInterceptor::ShedderInterceptor(const CpuSource& cpu, const Clock& clock)
    : cpu_(cpu), clock_(clock) {}

ShedderInterceptor::~ShedderInterceptor() = default;

Result<std::shared_ptr<ShedderInterceptor>> ShedderInterceptor::Create(
    ShedderInterceptorOptions options) {
  MICRO_RETURN_IF_ERROR(options.Validate());
  return Create(std::move(options), ProcCpuSource::Shared(), Clock::Real());
}

Result<std::shared_ptr<ShedderInterceptor>> ShedderInterceptor::Create(
    ShedderInterceptorOptions options, const CpuSource& cpu, const Clock& clock) {
  std::shared_ptr<ShedderInterceptor> interceptor(new ShedderInterceptor(cpu, clock));
  MICRO_RETURN_IF_ERROR(interceptor->Update(std::move(options)));
  return interceptor;
}

Status ShedderInterceptor::Update(ShedderInterceptorOptions options) {
  MICRO_RETURN_IF_ERROR(options.Validate());
  auto state = std::make_shared<State>();
  state->shedder = std::make_shared<Shedder>(options.shedder, cpu_, clock_);
  state->options = std::move(options);
  state_.store(std::move(state));
  return Status::Ok();
}

std::shared_ptr<Shedder> ShedderInterceptor::shedder() const { return state_.load()->shedder; }

Status ShedderInterceptor::Intercept(Context& ctx, const server::CallInfo& call,
                                     server::Next next) {
  // Held for the call, so that the admission settles with the shedder that made it.
  std::shared_ptr<const State> state = state_.load();
  for (const std::string& pattern : state->options.exempt) {
    if (internal::MethodMatches(pattern, call.method)) return next(ctx);
  }
  Shedder* shedder = state->shedder.get();
  std::optional<Shedder::Admission> admission = shedder->Allow();
  if (!admission) {
    if (metrics_) metrics_->Rejected(LimitPolicy::kShedder, call.method);
    return Status::ResourceExhausted("server overloaded, call to " + call.method.Path() + " shed");
  }
  // Settles the admission even when the handler throws (counted as failed).
  struct Settle {
    Shedder* shedder;
    Shedder::Admission admission;
    bool done = false;
    StatusCode code = StatusCode::kOk;
    ~Settle() {
      const bool failed = !done || code == StatusCode::kDeadlineExceeded ||
                          code == StatusCode::kUnavailable ||
                          code == StatusCode::kResourceExhausted;
      failed ? shedder->Fail(admission) : shedder->Pass(admission);
    }
  } settle{shedder, *admission};
  Status s = next(ctx);
  settle.code = s.code();
  settle.done = true;
  return s;
}

}  // namespace micro::governance

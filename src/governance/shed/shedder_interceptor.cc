// ShedderInterceptor: a Shedder around every call but the exempt ones.
#include <string>

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

ShedderInterceptor::ShedderInterceptor(ShedderInterceptorOptions options, const CpuSource& cpu,
                                       const Clock& clock)
    : options_(std::move(options)),
      shedder_(std::make_unique<Shedder>(options_.shedder, cpu, clock)) {}

ShedderInterceptor::~ShedderInterceptor() = default;

Result<std::shared_ptr<ShedderInterceptor>> ShedderInterceptor::Create(
    ShedderInterceptorOptions options) {
  MICRO_RETURN_IF_ERROR(options.Validate());
  return Create(std::move(options), ProcCpuSource::Shared(), Clock::Real());
}

Result<std::shared_ptr<ShedderInterceptor>> ShedderInterceptor::Create(
    ShedderInterceptorOptions options, const CpuSource& cpu, const Clock& clock) {
  MICRO_RETURN_IF_ERROR(options.Validate());
  return std::shared_ptr<ShedderInterceptor>(
      new ShedderInterceptor(std::move(options), cpu, clock));
}

Status ShedderInterceptor::Intercept(Context& ctx, const server::CallInfo& call,
                                     server::Next next) {
  for (const std::string& pattern : options_.exempt) {
    if (internal::MethodMatches(pattern, call.method)) return next(ctx);
  }
  std::optional<Shedder::Admission> admission = shedder_->Allow();
  if (!admission) {
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
  } settle{shedder_.get(), *admission};
  Status s = next(ctx);
  settle.code = s.code();
  settle.done = true;
  return s;
}

}  // namespace micro::governance

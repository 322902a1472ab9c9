#include <micro/server/middleware.h>

#include <exception>
#include <string>

namespace micro::server {

Status Next::operator()(Context& ctx) const {
  if (index_ < chain_->size()) {
    return (*chain_)[index_]->Intercept(ctx, *call_, Next(chain_, index_ + 1, call_));
  }
  const Method& m = call_->method;
  if (m.kind == MethodKind::kUnary) {
    return m.unary(ctx, *call_->request, call_->response);
  }
  return m.stream(ctx, *call_->stream);
}

Status RecoveryInterceptor::Intercept(Context& ctx, const CallInfo& call, Next next) {
  try {
    return next(ctx);
  } catch (const std::exception& e) {
    return Status::Internal(call.method.Path() + " failed: " + e.what());
  } catch (...) {
    return Status::Internal(call.method.Path() + " failed with a non-standard exception");
  }
}

}  // namespace micro::server

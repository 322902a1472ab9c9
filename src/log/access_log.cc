#include <micro/log/access_log.h>

#include <chrono>
#include <cmath>

#include <micro/http/http.h>
#include <micro/log/log.h>

namespace micro::log {
namespace {

constexpr char kRequestIdKey[] = "x-request-id";

// As go-grpc-middleware's DefaultCodeToLevel: the server's own faults are errors, the
// conditions an operator should watch are warnings, the rest (the caller's mistakes) info.
Level LevelOf(StatusCode code) {
  switch (code) {
    case StatusCode::kUnknown:
    case StatusCode::kUnimplemented:
    case StatusCode::kInternal:
    case StatusCode::kDataLoss:
      return Level::kError;
    case StatusCode::kDeadlineExceeded:
    case StatusCode::kPermissionDenied:
    case StatusCode::kResourceExhausted:
    case StatusCode::kFailedPrecondition:
    case StatusCode::kAborted:
    case StatusCode::kOutOfRange:
    case StatusCode::kUnavailable:
      return Level::kWarn;
    default:
      return Level::kInfo;
  }
}

}  // namespace

AccessLogInterceptor::AccessLogInterceptor(std::string service, std::string instance)
    : service_(std::move(service)), instance_(std::move(instance)) {}

Status AccessLogInterceptor::Intercept(Context& ctx, const server::CallInfo& call,
                                       server::Next next) {
  // A request id is made up only for a line that will carry it; one that came with the
  // call is forwarded downstream with the rest of the metadata either way.
  if (enabled() && !ctx.metadata().Get(kRequestIdKey)) {
    ctx.metadata().Set(kRequestIdKey, http::NewRequestId());
  }
  ScopedCall scope(ctx, service_, instance_);
  auto start = std::chrono::steady_clock::now();
  Status status = next(ctx);
  Level level = LevelOf(status.code());
  if (!enabled() || !Enabled(level)) return status;

  std::chrono::duration<double, std::milli> elapsed = std::chrono::steady_clock::now() - start;
  double took = std::round(elapsed.count() * 1000) / 1000;  // to the microsecond
  std::string method = call.method.Path();
  std::string_view request_id = ctx.metadata().Get(kRequestIdKey).value_or("");
  if (status.ok()) {
    Write(level, ctx, "access",
          {{"method", method},
           {"transport", call.transport},
           {"code", StatusCodeName(status.code())},
           {"duration_ms", took},
           {"peer", ctx.peer()},
           {"request_id", request_id}});
  } else {
    Write(level, ctx, "access",
          {{"method", method},
           {"transport", call.transport},
           {"code", StatusCodeName(status.code())},
           {"duration_ms", took},
           {"peer", ctx.peer()},
           {"request_id", request_id},
           {"error", status.message()}});
  }
  return status;
}

}  // namespace micro::log

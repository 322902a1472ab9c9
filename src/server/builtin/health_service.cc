// grpc.health.v1.Health over HealthState.
#include <condition_variable>
#include <memory>
#include <mutex>

#include <micro/server/builtin.h>

#include "grpc/health/v1/health.pb.h"

namespace micro::server {

namespace {

using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

HealthCheckResponse::ServingStatus ToProto(ServingStatus status) {
  switch (status) {
    case ServingStatus::kServing:
      return HealthCheckResponse::SERVING;
    case ServingStatus::kNotServing:
      return HealthCheckResponse::NOT_SERVING;
    case ServingStatus::kServiceUnknown:
      return HealthCheckResponse::SERVICE_UNKNOWN;
    case ServingStatus::kUnknown:
      break;
  }
  return HealthCheckResponse::UNKNOWN;
}

Status Check(HealthState& health, const HealthCheckRequest& request,
             HealthCheckResponse* response) {
  ServingStatus status = health.Check(request.service());
  if (status == ServingStatus::kServiceUnknown) {
    return Status::NotFound("unknown service '" + request.service() + "'");
  }
  response->set_status(ToProto(status));
  return {};
}

// Wakes the watching handler when the health state changes or the call is cancelled.
// Shared with the callbacks, which may outlive the handler by a moment.
struct Wakeup {
  std::mutex mu;
  std::condition_variable cv;
  bool pending = false;

  void Signal() {
    std::lock_guard lock(mu);
    pending = true;
    cv.notify_all();
  }
};

Status Watch(Context& ctx, HealthState& health, ServerStream& stream) {
  HealthCheckRequest request;
  if (!stream.Read(&request)) return Status::InvalidArgument("Watch needs a request");

  auto wakeup = std::make_shared<Wakeup>();
  uint64_t subscription = health.Subscribe([wakeup] { wakeup->Signal(); });
  uint64_t on_cancel = ctx.OnCancel([wakeup] { wakeup->Signal(); });

  Status result;
  bool first = true;
  HealthCheckResponse::ServingStatus last = HealthCheckResponse::UNKNOWN;
  while (!ctx.cancelled()) {
    // Read before the status, so that the status sent last reflects the drain.
    bool draining = health.draining();
    HealthCheckResponse::ServingStatus now = ToProto(health.Check(request.service()));
    if (first || now != last) {
      HealthCheckResponse response;
      response.set_status(now);
      if (!stream.Write(response)) break;
      first = false;
      last = now;
    }
    if (draining) break;
    std::unique_lock lock(wakeup->mu);
    wakeup->cv.wait(lock, [&] { return wakeup->pending; });
    wakeup->pending = false;
  }
  if (ctx.cancelled()) result = Status::Cancelled("health watch cancelled");

  ctx.RemoveOnCancel(on_cancel);
  health.Unsubscribe(subscription);
  return result;
}

}  // namespace

Status AddHealthService(Server& server, HealthState& health) {
  Method check;
  check.service = "grpc.health.v1.Health";
  check.name = "Check";
  check.kind = MethodKind::kUnary;
  check.execution = Execution::kNonBlocking;
  check.request_prototype = &HealthCheckRequest::default_instance();
  check.response_prototype = &HealthCheckResponse::default_instance();
  check.unary = [&health](Context&, const google::protobuf::Message& request,
                          google::protobuf::Message* response) {
    return Check(health, static_cast<const HealthCheckRequest&>(request),
                 static_cast<HealthCheckResponse*>(response));
  };
  MICRO_RETURN_IF_ERROR(server.AddMethod(std::move(check)));

  Method watch;
  watch.service = "grpc.health.v1.Health";
  watch.name = "Watch";
  watch.kind = MethodKind::kServerStreaming;
  watch.request_prototype = &HealthCheckRequest::default_instance();
  watch.response_prototype = &HealthCheckResponse::default_instance();
  watch.stream = [&health](Context& ctx, ServerStream& stream) {
    return Watch(ctx, health, stream);
  };
  return server.AddMethod(std::move(watch));
}

}  // namespace micro::server

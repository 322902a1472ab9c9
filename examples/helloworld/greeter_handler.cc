#include "greeter_handler.h"

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

namespace helloworld {

namespace {

constexpr int kDefaultStreamCount = 3;
constexpr int kMaxStreamCount = 1000;
constexpr int kMaxDelayMs = 60000;

micro::Status CheckName(const HelloRequest& request) {
  if (request.name().empty()) return micro::Status::InvalidArgument("name must not be empty");
  return {};
}

// Waits `delay`, ended early by the call's cancellation or deadline. The cancel callback
// may outlive this frame (RemoveOnCancel does not wait for a running callback), so the
// state it touches is shared.
micro::Status Wait(micro::Context& ctx, std::chrono::milliseconds delay) {
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    bool cancelled = false;
  };
  auto state = std::make_shared<State>();
  uint64_t handle = ctx.OnCancel([state] {
    std::lock_guard lock(state->mu);
    state->cancelled = true;
    state->cv.notify_all();
  });
  auto wake = micro::Context::Clock::now() + delay;
  bool deadline_first = ctx.deadline() < wake;
  if (deadline_first) wake = ctx.deadline();
  bool cancelled;
  {
    std::unique_lock lock(state->mu);
    state->cv.wait_until(lock, wake, [&] { return state->cancelled; });
    cancelled = state->cancelled;
  }
  ctx.RemoveOnCancel(handle);
  if (cancelled) return micro::Status::Cancelled("call cancelled while waiting");
  if (deadline_first) return micro::Status::DeadlineExceeded("deadline passed while waiting");
  return {};
}

}  // namespace

GreeterImpl::GreeterImpl(std::string instance_id) : instance_id_(std::move(instance_id)) {}

micro::Status GreeterImpl::SayHello(micro::Context& /*ctx*/, const HelloRequest& request,
                                    HelloReply* response) {
  MICRO_RETURN_IF_ERROR(CheckName(request));
  response->set_message("Hello, " + request.name());
  response->set_served_by(instance_id_);
  return {};
}

micro::Status GreeterImpl::SayHelloSlowly(micro::Context& ctx, const HelloRequest& request,
                                          HelloReply* response) {
  MICRO_RETURN_IF_ERROR(CheckName(request));
  if (request.delay_ms() < 0 || request.delay_ms() > kMaxDelayMs) {
    return micro::Status::InvalidArgument("delay_ms must be between 0 and 60000");
  }
  MICRO_RETURN_IF_ERROR(Wait(ctx, std::chrono::milliseconds(request.delay_ms())));
  return SayHello(ctx, request, response);
}

micro::Status GreeterImpl::StreamHellos(micro::Context& ctx, const HelloRequest& request,
                                        micro::ServerWriter<HelloReply>& writer) {
  MICRO_RETURN_IF_ERROR(CheckName(request));
  if (request.count() < 0 || request.count() > kMaxStreamCount) {
    return micro::Status::InvalidArgument("count must be between 0 and 1000");
  }
  if (request.delay_ms() < 0 || request.delay_ms() > kMaxDelayMs) {
    return micro::Status::InvalidArgument("delay_ms must be between 0 and 60000");
  }
  int count = request.count() == 0 ? kDefaultStreamCount : request.count();
  HelloReply reply;
  reply.set_served_by(instance_id_);
  for (int i = 1; i <= count; ++i) {
    if (ctx.cancelled()) return micro::Status::Cancelled("call cancelled");
    if (i > 1 && request.delay_ms() > 0) {
      MICRO_RETURN_IF_ERROR(Wait(ctx, std::chrono::milliseconds(request.delay_ms())));
    }
    reply.set_message("Hello, " + request.name() + " #" + std::to_string(i));
    if (!writer.Write(reply)) return micro::Status::Cancelled("the client went away");
  }
  return {};
}

micro::Status GreeterImpl::CollectHellos(micro::Context& ctx,
                                         micro::ServerReader<HelloRequest>& reader,
                                         HelloReply* response) {
  std::string names;
  HelloRequest request;
  while (reader.Read(&request)) {
    MICRO_RETURN_IF_ERROR(CheckName(request));
    if (!names.empty()) names += ", ";
    names += request.name();
  }
  if (ctx.cancelled()) return micro::Status::Cancelled("call cancelled");
  if (names.empty()) return micro::Status::InvalidArgument("send at least one name");
  response->set_message("Hello, " + names);
  response->set_served_by(instance_id_);
  return {};
}

micro::Status GreeterImpl::Chat(micro::Context& ctx,
                                micro::ServerReaderWriter<HelloRequest, HelloReply>& stream) {
  HelloRequest request;
  HelloReply reply;
  reply.set_served_by(instance_id_);
  while (stream.Read(&request)) {
    MICRO_RETURN_IF_ERROR(CheckName(request));
    reply.set_message("Hello, " + request.name());
    if (!stream.Write(reply)) return micro::Status::Cancelled("the client went away");
  }
  if (ctx.cancelled()) return micro::Status::Cancelled("call cancelled");
  return {};
}

}  // namespace helloworld

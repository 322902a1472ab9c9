#include "support/echo_methods.h"

#include <pthread.h>

#include <condition_variable>
#include <stdexcept>

#include "echo.pb.h"

namespace micro::testing {

namespace {

using micro::test::EchoRequest;
using micro::test::EchoResponse;

// Sleeps `ms`, waking early when `ctx` is cancelled. False when cancelled.
bool CancellableSleep(Context& ctx, int ms) {
  if (ms <= 0) return !ctx.cancelled();
  struct Waker {
    std::mutex mu;
    std::condition_variable cv;
    bool cancelled = false;
  };
  auto waker = std::make_shared<Waker>();
  uint64_t handle = ctx.OnCancel([waker] {
    std::lock_guard lock(waker->mu);
    waker->cancelled = true;
    waker->cv.notify_all();
  });
  bool cancelled;
  {
    std::unique_lock lock(waker->mu);
    cancelled =
        waker->cv.wait_for(lock, std::chrono::milliseconds(ms), [&] { return waker->cancelled; });
  }
  ctx.RemoveOnCancel(handle);
  return !cancelled;
}

// Applies the request's knobs; a non-OK result is what the handler must return.
Status Knobs(Context& ctx, const EchoRequest& request) {
  if (request.message().starts_with("throw:")) {
    throw std::runtime_error(request.message().substr(6));
  }
  if (!CancellableSleep(ctx, request.sleep_ms())) return Status::Cancelled("cancelled");
  if (request.fail_code() != 0) {
    return Status(static_cast<StatusCode>(request.fail_code()), request.message());
  }
  return {};
}

// Records the call when the handler returns, however it returns.
class Scope {
 public:
  Scope(const std::shared_ptr<EchoRecorder>& recorder, Context& ctx, std::string method)
      : recorder_(recorder), ctx_(ctx) {
    call_.method = std::move(method);
    call_.metadata = ctx.metadata();
    call_.trace = ctx.trace();
    call_.has_deadline = ctx.has_deadline();
    call_.remaining = ctx.Remaining();
    call_.peer = ctx.peer();
    call_.thread = std::this_thread::get_id();
    char name[32] = {};
    pthread_getname_np(pthread_self(), name, sizeof(name));
    call_.thread_name = name;
    if (recorder_) recorder_->Started();
  }
  ~Scope() {
    call_.cancelled = ctx_.cancelled();
    if (recorder_) recorder_->Finished(std::move(call_));
  }

 private:
  std::shared_ptr<EchoRecorder> recorder_;
  Context& ctx_;
  EchoCall call_;
};

server::Method NewMethod(const std::string& name, server::MethodKind kind) {
  server::Method method;
  method.service = kEchoService;
  method.name = name;
  method.kind = kind;
  method.request_prototype = &EchoRequest::default_instance();
  method.response_prototype = &EchoResponse::default_instance();
  return method;
}

}  // namespace

void EchoRecorder::Started() {
  std::lock_guard lock(mu_);
  ++started_;
}

void EchoRecorder::Finished(EchoCall call) {
  std::lock_guard lock(mu_);
  calls_.push_back(std::move(call));
}

size_t EchoRecorder::started() const {
  std::lock_guard lock(mu_);
  return started_;
}

size_t EchoRecorder::finished() const {
  std::lock_guard lock(mu_);
  return calls_.size();
}

std::vector<EchoCall> EchoRecorder::calls() const {
  std::lock_guard lock(mu_);
  return calls_;
}

EchoCall EchoRecorder::last() const {
  std::lock_guard lock(mu_);
  return calls_.empty() ? EchoCall{} : calls_.back();
}

Status AddEchoMethods(server::Server& server, std::shared_ptr<EchoRecorder> recorder) {
  auto unary = NewMethod("Unary", server::MethodKind::kUnary);
  unary.unary = [recorder](Context& ctx, const google::protobuf::Message& in,
                           google::protobuf::Message* out) {
    Scope scope(recorder, ctx, "Unary");
    const auto& request = static_cast<const EchoRequest&>(in);
    MICRO_RETURN_IF_ERROR(Knobs(ctx, request));
    auto* response = static_cast<EchoResponse*>(out);
    response->set_message(request.message());
    response->set_payload(request.payload());
    response->set_count(request.count());
    return Status();
  };
  MICRO_RETURN_IF_ERROR(server.AddMethod(std::move(unary)));

  auto server_stream = NewMethod("ServerStream", server::MethodKind::kServerStreaming);
  server_stream.stream = [recorder](Context& ctx, server::ServerStream& stream) {
    Scope scope(recorder, ctx, "ServerStream");
    EchoRequest request;
    if (!stream.Read(&request)) return Status::InvalidArgument("no request");
    if (request.message().starts_with("throw:") || request.fail_code() != 0) {
      return Knobs(ctx, request);
    }
    for (int i = 0; i < request.count(); ++i) {
      if (!CancellableSleep(ctx, request.sleep_ms())) return Status::Cancelled("cancelled");
      EchoResponse response;
      response.set_message(request.message());
      response.set_payload(request.payload());
      response.set_count(i);
      if (!stream.Write(response)) return Status::Cancelled("stream closed");
    }
    return Status();
  };
  MICRO_RETURN_IF_ERROR(server.AddMethod(std::move(server_stream)));

  auto client_stream = NewMethod("ClientStream", server::MethodKind::kClientStreaming);
  client_stream.stream = [recorder](Context& ctx, server::ServerStream& stream) {
    Scope scope(recorder, ctx, "ClientStream");
    EchoRequest request;
    EchoResponse response;
    int count = 0;
    while (stream.Read(&request)) {
      MICRO_RETURN_IF_ERROR(Knobs(ctx, request));
      response.mutable_message()->append(request.message());
      response.mutable_payload()->append(request.payload());
      ++count;
    }
    response.set_count(count);
    if (!stream.Write(response)) return Status::Cancelled("stream closed");
    return Status();
  };
  MICRO_RETURN_IF_ERROR(server.AddMethod(std::move(client_stream)));

  auto bidi = NewMethod("Bidi", server::MethodKind::kBidiStreaming);
  bidi.stream = [recorder](Context& ctx, server::ServerStream& stream) {
    Scope scope(recorder, ctx, "Bidi");
    EchoRequest request;
    int index = 0;
    while (stream.Read(&request)) {
      MICRO_RETURN_IF_ERROR(Knobs(ctx, request));
      EchoResponse response;
      response.set_message(request.message());
      response.set_payload(request.payload());
      response.set_count(index++);
      if (!stream.Write(response)) return Status::Cancelled("stream closed");
    }
    return Status();
  };
  return server.AddMethod(std::move(bidi));
}

}  // namespace micro::testing

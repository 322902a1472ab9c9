#include <micro/trace/interceptors.h>

#include "trace/semconv.h"

namespace micro::trace {

namespace {

// What one traced attempt keeps alive until its done runs: the attempt's own Context
// (a copy of the caller's: same deadline, metadata and cancellation, but this attempt's
// traceparent — the caller's Context is shared by concurrent calls and stays untouched)
// and the span.
struct Attempt {
  Attempt(const Context& caller, Span s, client::Done d)
      : ctx(caller), span(std::move(s)), done(std::move(d)) {}
  Context ctx;
  Span span;
  client::Done done;
};

// Records how a client call ended on its span and ends it.
void EndClientSpan(Span& span, const Status& s, bool grpc) {
  if (span.recording()) {
    if (grpc) span.SetAttribute("rpc.grpc.status_code", static_cast<int64_t>(s.code()));
    if (!s.ok()) {
      span.SetStatus(SpanStatus::kError,
                     s.message().empty() ? std::string(StatusCodeName(s.code())) : s.message());
    }
  }
  span.End();
}

// A stream whose span ends with its Finish, or CANCELLED when dropped unfinished.
class TracedStream : public client::ForwardingStream {
 public:
  TracedStream(std::unique_ptr<client::ClientStream> inner, Span span, bool grpc)
      : ForwardingStream(std::move(inner)), span_(std::move(span)), grpc_(grpc) {}
  ~TracedStream() override {
    if (!finished_) EndClientSpan(span_, Status::Cancelled("stream dropped unfinished"), grpc_);
  }

  Status Finish() override {
    Status s = inner().Finish();
    if (!finished_) EndClientSpan(span_, s, grpc_);
    finished_ = true;
    return s;
  }

 private:
  Span span_;
  const bool grpc_;
  bool finished_ = false;
};

}  // namespace

void ClientAttemptTracing::Intercept(Context& ctx, client::ClientCall& call,
                                     client::ClientNext next, client::Done done) {
  SpanContext parent = FromContext(ctx);
  semconv::RpcName rpc = semconv::SplitMethodPath(call.method);
  SpanName name =
      rpc.service.empty() ? SpanName(call.method) : SpanName(rpc.service, "/", rpc.method);
  Span span = tracer_->StartSpan(name, SpanKind::kClient, &parent);

  // An attempt that records nothing need not be a hop of its own: when the caller's trace
  // context already carries the same decision, the callee sees the same trace id and flag
  // either way, so skip the per-attempt Context. (1 % sampling stays cheap.)
  if (!span.recording() && parent.valid() && parent.sampled() == span.context().sampled()) {
    next(ctx, call, std::move(done));
    return;
  }

  if (span.recording()) {
    span.SetAttribute("rpc.system", rpc_system_);
    if (!rpc.service.empty()) span.SetAttribute("rpc.service", rpc.service);
    span.SetAttribute("rpc.method", rpc.method);
    if (!call.service.empty()) span.SetAttribute("peer.service", call.service);
    semconv::SetPeer(span, call.address, /*peer_is_server=*/true);
    span.SetAttribute("micro.attempt", int64_t{call.attempt});
  }
  auto attempt = std::make_shared<Attempt>(ctx, std::move(span), std::move(done));
  FormatTraceParent(attempt->span.context(), &attempt->ctx.trace().traceparent);
  attempt->ctx.trace().tracestate = attempt->span.context().trace_state;
  bool grpc = rpc_system_ == "grpc";
  next(attempt->ctx, call, [attempt, grpc](Status s) {
    EndClientSpan(attempt->span, s, grpc);
    client::Done done = std::move(attempt->done);
    done(std::move(s));
  });
}

client::StreamResult ClientAttemptTracing::InterceptStream(Context& ctx,
                                                           const client::StreamCall& call,
                                                           client::StreamNext next) {
  SpanContext parent = FromContext(ctx);
  semconv::RpcName rpc = semconv::SplitMethodPath(call.method);
  SpanName name =
      rpc.service.empty() ? SpanName(call.method) : SpanName(rpc.service, "/", rpc.method);
  Span span = tracer_->StartSpan(name, SpanKind::kClient, &parent);
  if (span.recording()) {
    span.SetAttribute("rpc.system", rpc_system_);
    if (!rpc.service.empty()) span.SetAttribute("rpc.service", rpc.service);
    span.SetAttribute("rpc.method", rpc.method);
    if (!call.service.empty()) span.SetAttribute("peer.service", call.service);
    semconv::SetPeer(span, call.address, /*peer_is_server=*/true);
  }
  // The callee continues from this span; the caller's Context stays untouched.
  Context stream_ctx = ctx;
  FormatTraceParent(span.context(), &stream_ctx.trace().traceparent);
  stream_ctx.trace().tracestate = span.context().trace_state;
  bool grpc = rpc_system_ == "grpc";
  auto opened = next(stream_ctx, call);
  if (!opened.ok()) {
    EndClientSpan(span, opened.status(), grpc);
    return opened;
  }
  return std::unique_ptr<client::ClientStream>(
      std::make_unique<TracedStream>(std::move(*opened), std::move(span), grpc));
}

}  // namespace micro::trace

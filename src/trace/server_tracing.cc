#include <exception>

#include <micro/trace/interceptors.h>

#include "trace/semconv.h"

namespace micro::trace {

SpanContext FromContext(const Context& ctx) {
  const TraceContext& in = ctx.trace();
  if (in.traceparent.empty()) return {};
  auto parsed = ParseTraceParent(in.traceparent);
  if (!parsed.ok()) return {};
  // A tracestate that does not parse is dropped, not forwarded in part (W3C).
  if (!in.tracestate.empty() && TraceState::Parse(in.tracestate).ok()) {
    parsed->trace_state = in.tracestate;
  }
  return *std::move(parsed);
}

void InjectHeaders(const Context& ctx, micro::http::Headers* headers) {
  const TraceContext& t = ctx.trace();
  if (t.traceparent.empty()) return;
  headers->emplace_back("traceparent", t.traceparent);
  if (!t.tracestate.empty()) headers->emplace_back("tracestate", t.tracestate);
}

Status ServerTracing::Intercept(Context& ctx, const server::CallInfo& call, server::Next next) {
  const server::Method& m = call.method;
  // gRPC's own services (health checks every few seconds, reflection) would bury the
  // application's traces; they pass through untraced.
  if (m.service.starts_with("grpc.")) return next(ctx);
  SpanContext parent = FromContext(ctx);
  Span span = tracer_->StartSpan({m.service, "/", m.name}, SpanKind::kServer, &parent);

  bool http = call.transport == "http";
  if (span.recording()) {
    span.SetAttribute("rpc.system", http ? "http" : "grpc");
    span.SetAttribute("rpc.service", m.service);
    span.SetAttribute("rpc.method", m.name);
    if (http) {
      span.SetAttribute("http.request.method", "POST");
      span.SetAttribute("url.path", m.Path());
    }
    semconv::SetPeer(span, ctx.peer(), /*peer_is_server=*/false);
  }

  // The handler's outgoing calls continue from this span.
  TraceContext& out = ctx.trace();
  FormatTraceParent(span.context(), &out.traceparent);
  out.tracestate = span.context().trace_state;

  Status s;
  try {
    s = next(ctx);
  } catch (const std::exception& e) {
    span.AddEvent("exception", {{"exception.message", std::string(e.what())}});
    span.SetStatus(SpanStatus::kError, e.what());
    throw;
  } catch (...) {
    span.SetStatus(SpanStatus::kError, "unknown exception");
    throw;
  }
  if (span.recording()) {
    if (http) {
      span.SetAttribute("http.response.status_code", int64_t{HttpStatusFromCode(s.code())});
    } else {
      span.SetAttribute("rpc.grpc.status_code", static_cast<int64_t>(s.code()));
    }
    if (!s.ok()) {
      span.SetStatus(SpanStatus::kError,
                     s.message().empty() ? std::string(StatusCodeName(s.code())) : s.message());
    }
  }
  return s;
}

}  // namespace micro::trace

#include "transport/grpc/server_context.h"

#include <cstdint>
#include <string_view>

#include <grpc/support/time.h>

namespace micro::transport::grpc_transport {

namespace {

std::string_view View(const grpc::string_ref& s) { return {s.data(), s.size()}; }

}  // namespace

void FillContext(const grpc::ServerContext& call, Context* ctx) {
  // The call's deadline is on one of gRPC's clocks; what the handler needs is the time
  // left, re-based on the steady clock that micro::Context uses.
  gpr_timespec deadline = call.raw_deadline();
  if (deadline.tv_sec != INT64_MAX) {
    gpr_timespec left = gpr_time_sub(deadline, gpr_now(deadline.clock_type));
    auto nanos = std::chrono::seconds(left.tv_sec) + std::chrono::nanoseconds(left.tv_nsec);
    ctx->SetDeadline(Context::Clock::now() +
                     std::chrono::duration_cast<Context::Clock::duration>(nanos));
  }

  for (const auto& [key, value] : call.client_metadata()) {
    std::string_view k = View(key);
    if (k.empty() || k.front() == ':') continue;  // HTTP/2 pseudo-headers
    // gRPC's own headers (grpc-accept-encoding, ...) and the other hop-by-hop ones
    // (user-agent, te, content-type) describe this hop only: never forwarded, and what
    // they mean (the deadline) is in the Context. Skipping them also spares copying the
    // user-agent gRPC sends with every call.
    if (Metadata::IsHopByHop(k)) continue;
    if (k == "traceparent") {
      ctx->trace().traceparent.assign(value.data(), value.size());
    } else if (k == "tracestate") {
      ctx->trace().tracestate.assign(value.data(), value.size());
    } else {
      ctx->metadata().Add(k, View(value));
    }
  }
  ctx->set_peer_resolver(
      [](const void* call) { return static_cast<const grpc::ServerContext*>(call)->peer(); },
      &call);
}

}  // namespace micro::transport::grpc_transport

#include "transport/grpc/client_context.h"

#include <chrono>
#include <string_view>

namespace micro::transport::grpc_transport {

namespace {

// gRPC's rules for metadata keys: lower-case letters, digits, '-', '_', '.'.
bool ValidKey(std::string_view key) {
  if (key.empty()) return false;
  for (char c : key) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// Text values must be printable ASCII; "-bin" values are any bytes (gRPC encodes them).
bool ValidValue(std::string_view key, std::string_view value) {
  if (key.ends_with("-bin")) return true;
  for (char c : value) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

}  // namespace

void PrepareClientContext(const Context& ctx, grpc::ClientContext* call) {
  if (ctx.has_deadline()) {
    auto left = ctx.deadline() - Context::Clock::now();
    call->set_deadline(std::chrono::system_clock::now() +
                       std::chrono::duration_cast<std::chrono::system_clock::duration>(left));
  }
  for (const auto& [key, value] : ctx.metadata().entries()) {
    if (Metadata::IsHopByHop(key) || key == "traceparent" || key == "tracestate") continue;
    if (!ValidKey(key) || !ValidValue(key, value)) continue;
    call->AddMetadata(key, value);
  }
  const TraceContext& trace = ctx.trace();
  if (!trace.traceparent.empty() && ValidValue("traceparent", trace.traceparent)) {
    call->AddMetadata("traceparent", trace.traceparent);
    if (!trace.tracestate.empty() && ValidValue("tracestate", trace.tracestate)) {
      call->AddMetadata("tracestate", trace.tracestate);
    }
  }
}

}  // namespace micro::transport::grpc_transport

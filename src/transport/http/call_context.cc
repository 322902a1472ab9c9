#include "transport/http/call_context.h"

#include <optional>
#include <string_view>

#include "transport/http/codec.h"

namespace micro::transport::http_json {

namespace {

// Headers that configure this hop, not the call: they do not become metadata.
bool IsTransportHeader(std::string_view key) {
  return Metadata::IsHopByHop(key) || key == "traceparent" || key == "tracestate" ||
         key == "x-micro-timeout-ms" || key == "expect" || key == "accept" ||
         key == "content-encoding";
}

}  // namespace

void FillContext(const micro::http::Request& request, Context& ctx) {
  for (const auto& [key, value] : request.headers) {
    if (key == "traceparent") {
      ctx.trace().traceparent = value;
    } else if (key == "tracestate") {
      ctx.trace().tracestate = value;
    } else if (!IsTransportHeader(key)) {
      ctx.metadata().Add(key, value);
    }
  }
  ctx.set_peer(request.peer);
  std::optional<std::chrono::nanoseconds> timeout;
  if (std::string v = request.Header("grpc-timeout"); !v.empty()) timeout = ParseGrpcTimeout(v);
  if (!timeout) {
    if (std::string v = request.Header("x-micro-timeout-ms"); !v.empty()) {
      timeout = ParseTimeoutMs(v);
    }
  }
  if (timeout) ctx.SetTimeout(*timeout);
}

}  // namespace micro::transport::http_json

// The Context of an HTTP/JSON call, from its request: metadata (every header but the
// hop-by-hop ones), W3C trace context, peer, and the deadline from `grpc-timeout` or
// `x-micro-timeout-ms`. Internal to libmicro.
#pragma once

#include <micro/core/context.h>
#include <micro/http/http.h>

namespace micro::transport::http_json {

void FillContext(const micro::http::Request& request, Context& ctx);

}  // namespace micro::transport::http_json

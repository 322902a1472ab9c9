// Serves "POST /<package.Service>/<Method>" (and the short "/<Service>/<Method>") from a
// micro::server::Server: decode the body, build the Context from the headers, run the
// method where its Execution asks, answer JSON (or NDJSON for server streams).
// Internal to libmicro.
#pragma once

#include <micro/core/context.h>
#include <micro/http/http.h>
#include <micro/server/server.h>

namespace micro::transport::http_json {

// The Router fallback of the HTTP transport. Runs on an io thread; never blocks.
void HandleRpc(server::Server& server, micro::http::Request request,
               micro::http::Responder respond);

}  // namespace micro::transport::http_json

// The process-wide list behind micro/server/http_routes.h. Internal to libmicro.
#pragma once

#include <micro/http/http.h>

namespace micro::transport::http_json {

// Adds every route from AddHttpRoute() to `router`.
void InstallExtraRoutes(micro::http::Router& router);

}  // namespace micro::transport::http_json

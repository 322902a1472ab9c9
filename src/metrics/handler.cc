#include <micro/metrics/handler.h>

namespace micro::metrics {

http::Handler MetricsHandler(Registry& registry) {
  return [&registry](http::Request, http::Responder respond) {
    http::Response r;
    r.status = 200;
    r.headers.emplace_back("content-type", kExpositionContentType);
    r.body = registry.Render();
    respond(std::move(r));
  };
}

}  // namespace micro::metrics

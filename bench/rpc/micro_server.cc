// bench-micro-server: the echo service on micro — a handler class implementing the
// generated interface, registered on a micro::Service that registers itself in the
// registry. Echo is `(micro.non_blocking)`: it runs inline on the gRPC transport's event
// thread, like the raw server's handler. Service flags choose the registry and listen URLs:
//
//   bench-micro-server --registry platform://127.0.0.1:7700
//                      --grpc 'grpc://127.0.0.1:0?minimal_stack=1' --http http://127.0.0.1:8080
#include <memory>

#include <micro/service.h>

#include "bench/echo.micro.h"

namespace {

class EchoImpl final : public bench::EchoHandler {
 public:
  micro::Status Echo(micro::Context& /*ctx*/, const bench::EchoRequest& request,
                     bench::EchoReply* response) override {
    response->set_payload(request.payload());
    return {};
  }
};

}  // namespace

int main(int argc, char** argv) {
  auto options = micro::ServiceOptions::FromArgs(argc, argv, {.name = "echo", .version = "1.0.0"});
  if (!options.ok()) return micro::ExitWithUsage(options.status());
  micro::Service service(*options);
  if (auto s = bench::RegisterEcho(service.server(), std::make_shared<EchoImpl>()); !s.ok()) {
    return micro::ExitWithUsage(s);
  }
  micro::Status s = service.Run();
  if (!s.ok()) return micro::ExitWithUsage(s);
  return 0;
}

// The greeter server: one class implementing the generated handler interface, registered
// on a micro::Service. Flags and MICRO_* env choose the registry, ports and metadata:
//
//   helloworld-server --registry platform://127.0.0.1:7700
#include <memory>

#include <micro/service.h>

#include "greeter_handler.h"
#include "helloworld/greeter.micro.h"

int main(int argc, char** argv) {
  auto options =
      micro::ServiceOptions::FromArgs(argc, argv, {.name = "greeter", .version = "1.0.0"});
  if (!options.ok()) return micro::ExitWithUsage(options.status());

  micro::Service service(*options);
  auto handler = std::make_shared<helloworld::GreeterImpl>(service.options().id);
  if (auto s = helloworld::RegisterGreeter(service.server(), handler); !s.ok()) {
    return micro::ExitWithUsage(s);
  }
  micro::Status s = service.Run();
  if (!s.ok()) return micro::ExitWithUsage(s);
  return 0;
}

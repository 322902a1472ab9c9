// Everything a service author usually needs, in one include:
//
//   #include <micro/micro.h>
//   #include "helloworld/greeter.micro.h"
//
//   class GreeterImpl : public helloworld::GreeterHandler { ... };
//
//   int main(int argc, char** argv) {
//     auto opts = micro::ServiceOptions::FromArgs(argc, argv, {.name = "greeter"});
//     if (!opts.ok()) return micro::ExitWithUsage(opts.status());
//     micro::Service service(*opts);
//     helloworld::RegisterGreeter(service.server(), std::make_shared<GreeterImpl>());
//     return service.Run().ok() ? 0 : 1;
//   }
//
// Components beyond these (registry, selector, config, broker, http) have their own
// headers under <micro/...>.
#pragma once

#include <micro/client/client.h>
#include <micro/client/stream.h>
#include <micro/core/context.h>
#include <micro/core/result.h>
#include <micro/core/status.h>
#include <micro/server/method.h>
#include <micro/server/middleware.h>
#include <micro/server/server.h>
#include <micro/server/stream.h>
#include <micro/service.h>

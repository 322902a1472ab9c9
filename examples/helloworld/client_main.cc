// The greeter client: calls the "greeter" service by name through the registry.
//
//   helloworld-client --registry platform://127.0.0.1:7700 --name Alice --count 4
//
// Prints one line per call: the greeting and which instance served it; then a streamed
// greeting. Exits non-zero if any call fails.
#include <chrono>
#include <cstdio>
#include <memory>

#include <micro/client/client.h>
#include <micro/client/stream.h>
#include <micro/registry/registry.h>
#include <CLI/CLI.hpp>

#include "helloworld/greeter.micro.h"

int main(int argc, char** argv) {
  CLI::App app{"Calls the greeter service by name"};
  std::string registry_url = "platform://127.0.0.1:7700";
  std::string name = "World";
  int count = 4;
  int timeout_ms = 2000;
  app.add_option("--registry", registry_url, "registry URL")->envname("MICRO_REGISTRY");
  app.add_option("--name", name, "who to greet");
  app.add_option("--count", count, "number of unary calls")->check(CLI::NonNegativeNumber);
  app.add_option("--timeout-ms", timeout_ms, "deadline of each call");
  CLI11_PARSE(app, argc, argv);

  auto registry = micro::registry::NewRegistry(registry_url);
  if (!registry.ok()) {
    std::fprintf(stderr, "error: %s\n", registry.status().ToString().c_str());
    return 2;
  }
  micro::client::Client client(std::shared_ptr<micro::registry::Registry>(std::move(*registry)));
  helloworld::GreeterClient greeter(client);

  int failures = 0;
  helloworld::HelloRequest request;
  request.set_name(name);
  for (int i = 0; i < count; ++i) {
    auto ctx = micro::Context::WithTimeout(std::chrono::milliseconds(timeout_ms));
    auto reply = greeter.SayHello(ctx, request);
    if (!reply.ok()) {
      std::printf("SayHello failed: %s\n", reply.status().ToString().c_str());
      ++failures;
      continue;
    }
    std::printf("%s (served by %s)\n", reply->message().c_str(), reply->served_by().c_str());
  }

  auto ctx = micro::Context::WithTimeout(std::chrono::milliseconds(timeout_ms));
  auto stream = greeter.StreamHellos(ctx, request);
  if (!stream.ok()) {
    std::printf("StreamHellos failed: %s\n", stream.status().ToString().c_str());
    return 1;
  }
  helloworld::HelloReply reply;
  while (stream->Read(&reply)) std::printf("stream: %s\n", reply.message().c_str());
  if (auto s = stream->Finish(); !s.ok()) {
    std::printf("StreamHellos failed: %s\n", s.ToString().c_str());
    ++failures;
  }
  return failures == 0 ? 0 : 1;
}

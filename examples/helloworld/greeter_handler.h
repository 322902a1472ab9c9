// GreeterImpl: the helloworld example's implementation of helloworld.Greeter
// (proto/helloworld/greeter.proto). It lives in the helloworld_service library, which the
// server binary, the tests and the benchmark all link:
//
//   micro::server::Server server;
//   helloworld::RegisterGreeter(server, std::make_shared<helloworld::GreeterImpl>("greeter-1"));
//
// Stateless apart from its instance id, so every member is safe from any thread.
#pragma once

#include <string>

#include "helloworld/greeter.micro.h"

namespace helloworld {

class GreeterImpl : public GreeterHandler {
 public:
  // `instance_id` goes into every reply's served_by, so callers see who answered.
  explicit GreeterImpl(std::string instance_id);

  const std::string& instance_id() const { return instance_id_; }

  // helloworld::GreeterHandler
  micro::Status SayHello(micro::Context& ctx, const HelloRequest& request,
                         HelloReply* response) override;
  micro::Status SayHelloSlowly(micro::Context& ctx, const HelloRequest& request,
                               HelloReply* response) override;
  micro::Status StreamHellos(micro::Context& ctx, const HelloRequest& request,
                             micro::ServerWriter<HelloReply>& writer) override;
  micro::Status CollectHellos(micro::Context& ctx, micro::ServerReader<HelloRequest>& reader,
                              HelloReply* response) override;
  micro::Status Chat(micro::Context& ctx,
                     micro::ServerReaderWriter<HelloRequest, HelloReply>& stream) override;

 private:
  std::string instance_id_;
};

}  // namespace helloworld

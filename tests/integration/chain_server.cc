// The server of the tracing chain test (trace_chain_test.cc): a micro::Service serving
// micro.test.Echo (tests/support/echo_methods.h) that can forward each unary call to the
// next service of a chain, or fail it, so that A -> B -> C runs as three processes.
//
//   R=platform://127.0.0.1:7700 T=http://127.0.0.1:7700
//   chain-server --name C --registry $R --trace.sampler=always_on --trace.endpoint=$T
//   chain-server --name B --chain.next=C ...   (same flags)
//   chain-server --name A --chain.next=B ...
//
// Chain flags (read and removed before ServiceOptions::FromArgs sees the rest):
//   --chain.next=SERVICE  each Unary call is sent on to SERVICE's Echo/Unary with the
//                         handler's Context (so the trace continues) and its answer returned,
//                         with this service's name put in front: "A>B>C"
//   --chain.fail=1        each Unary call fails with INTERNAL "<name>: chain.fail"
// Without either, a Unary call answers with the service's name.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <micro/server/middleware.h>
#include <micro/service.h>

#include "echo.pb.h"
#include "support/echo_methods.h"
#include "support/flags.h"

namespace {

struct ChainFlags {
  std::string next;
  bool fail = false;
};

// Takes the --chain.* flags out of `args`.
ChainFlags TakeChainFlags(std::vector<std::string>& args) {
  ChainFlags f;
  for (const auto& [key, value] : micro::testing::TakeFlags(args, "--chain.")) {
    if (key == "next") {
      f.next = value;
    } else if (key == "fail") {
      f.fail = value == "1" || value == "true";
    } else {
      std::fprintf(stderr, "error: unknown chain flag --chain.%s\n", key.c_str());
      std::exit(2);
    }
  }
  return f;
}

// Innermost interceptor (added after the Service installed its own, so the tracing server
// span is already in ctx.trace()): acts as the Unary handler's own behaviour.
class ChainInterceptor : public micro::server::Interceptor {
 public:
  ChainInterceptor(ChainFlags flags, std::string name, micro::Service* service)
      : flags_(std::move(flags)), name_(std::move(name)), service_(service) {}

  micro::Status Intercept(micro::Context& ctx, const micro::server::CallInfo& call,
                          micro::server::Next next) override {
    auto* request = call.RequestAs<micro::test::EchoRequest>();
    auto* response = call.ResponseAs<micro::test::EchoResponse>();
    if (call.method.name != "Unary" || request == nullptr || response == nullptr) {
      return next(ctx);
    }
    if (flags_.fail) return micro::Status(micro::StatusCode::kInternal, name_ + ": chain.fail");
    if (flags_.next.empty()) {
      micro::Status s = next(ctx);
      if (s.ok()) response->set_message(name_);
      return s;
    }
    // The handler's Context carries this call's server span: the outgoing call's client
    // span becomes its child, and the next service's server span the client span's child.
    micro::test::EchoResponse downstream;
    micro::Status s = service_->Client().Call(ctx, flags_.next, micro::testing::kEchoUnary,
                                              *request, &downstream);
    if (!s.ok()) return s;
    response->set_message(name_ + ">" + downstream.message());
    return s;
  }

 private:
  ChainFlags flags_;
  std::string name_;
  micro::Service* service_;
};

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  ChainFlags flags = TakeChainFlags(args);
  std::vector<const char*> rest;
  for (const auto& a : args) rest.push_back(a.c_str());

  auto options = micro::ServiceOptions::FromArgs(static_cast<int>(rest.size()), rest.data(),
                                                 {.name = "chain", .version = "1.0.0"});
  if (!options.ok()) return micro::ExitWithUsage(options.status());

  micro::Service service(*options);
  if (auto s = micro::testing::AddEchoMethods(service.server()); !s.ok()) {
    return micro::ExitWithUsage(s);
  }
  service.server().Use(std::make_shared<ChainInterceptor>(flags, service.options().name, &service));
  micro::Status s = service.Run();
  if (!s.ok()) return micro::ExitWithUsage(s);
  return 0;
}

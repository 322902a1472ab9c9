// Running one call through a server interceptor in a test, without a transport.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <micro/core/context.h>
#include <micro/server/middleware.h>

namespace micro::governance::testing {

inline server::Method MakeMethod(std::string service, std::string name,
                                 server::Execution execution = server::Execution::kBlocking) {
  server::Method m;
  m.service = std::move(service);
  m.name = std::move(name);
  m.execution = execution;
  return m;
}

// The last link of a chain: runs `body` as the handler.
class Handler final : public server::Interceptor {
 public:
  explicit Handler(std::function<Status()> body) : body_(std::move(body)) {}
  Status Intercept(Context&, const server::CallInfo&, server::Next) override { return body_(); }

 private:
  std::function<Status()> body_;
};

// `interceptor` followed by a handler running `body`.
inline server::Chain ChainOf(
    std::shared_ptr<server::Interceptor> interceptor,
    std::function<Status()> body = [] { return Status::Ok(); }) {
  server::Chain chain;
  chain.Add(std::move(interceptor));
  chain.Add(std::make_shared<Handler>(std::move(body)));
  return chain;
}

inline Status Call(const server::Chain& chain, const server::Method& method,
                   std::string peer = "10.0.0.1:40000",
                   std::vector<std::pair<std::string, std::string>> metadata = {}) {
  Context ctx;
  ctx.set_peer(std::move(peer));
  for (auto& [k, v] : metadata) ctx.metadata().Add(k, v);
  server::CallInfo call{.method = method, .transport = "grpc"};
  return chain.Run(ctx, call);
}

}  // namespace micro::governance::testing

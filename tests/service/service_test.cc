// micro::Service in-process: lifecycle, honest readiness, and what crosses a hop
// (deadline, metadata) when one service calls another.
#include <micro/service.h>

#include <gtest/gtest.h>

#include <micro/http/http.h>

#include "echo.pb.h"
#include "platform/platform_server.h"
#include "support/echo_methods.h"
#include "support/process.h"
#include "support/wait.h"

namespace micro {
namespace {

using namespace std::chrono_literals;
using testing::WaitFor;

ServiceOptions Options(const std::string& name, const std::string& registry) {
  ServiceOptions o{.name = name, .registry = registry};
  o.handle_signals = false;
  o.ttl = 1500ms;
  o.heartbeat_interval = 100ms;
  o.drain_grace = 0ms;
  return o;
}

int ReadyStatus(Service& service) {
  http::HttpClient http;
  auto r = http.Get("127.0.0.1:" + std::to_string(service.port("http")), "/health/ready", 2s);
  return r.ok() ? r->status : -1;
}

TEST(Service, StartRegistersBothTransportsAndShutdownDeregisters) {
  Service service(Options("lifecycle", "memory:///lifecycle"));
  ASSERT_TRUE(testing::AddEchoMethods(service.server()).ok());
  ASSERT_TRUE(service.Start().ok());
  EXPECT_TRUE(service.health().ready());
  EXPECT_NE(service.port("grpc"), 0);
  EXPECT_NE(service.port("http"), 0);

  auto found = service.registry()->Get("lifecycle");
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_EQ(found->nodes.size(), 1u);
  EXPECT_EQ(found->nodes[0].ports.at("grpc"), service.port("grpc"));
  EXPECT_EQ(found->nodes[0].ports.at("http"), service.port("http"));
  EXPECT_EQ(ReadyStatus(service), 200);

  service.Shutdown();
  EXPECT_FALSE(service.health().ready());
  EXPECT_EQ(service.registry()->Get("lifecycle").status().code(), StatusCode::kNotFound);
}

TEST(Service, NotReadyUntilRegisteredAndWhileTheRegistryIsLost) {
  uint16_t port = testing::FreePort();
  std::string url = "platform://127.0.0.1:" + std::to_string(port);
  Service service(Options("honest", url));
  ASSERT_TRUE(service.Start().ok());
  // No registry yet: serving, but not ready.
  EXPECT_FALSE(service.health().ready());
  EXPECT_EQ(ReadyStatus(service), 503);

  auto platform =
      std::make_unique<platform::PlatformServer>(platform::PlatformServerOptions{.port = port});
  ASSERT_TRUE(platform->Start().ok());
  ASSERT_TRUE(WaitFor([&] { return service.health().ready(); })) << service.health().reason();
  EXPECT_EQ(ReadyStatus(service), 200);

  // The registry goes away: once heartbeats have failed for a TTL, not ready.
  platform->Shutdown(0ms);
  platform.reset();
  ASSERT_TRUE(WaitFor([&] { return !service.health().ready(); }));
  EXPECT_EQ(service.health().reason(), "heartbeats to the registry are failing");
  EXPECT_EQ(ReadyStatus(service), 503);

  // A new registry (empty): the service registers again and is ready again.
  platform =
      std::make_unique<platform::PlatformServer>(platform::PlatformServerOptions{.port = port});
  ASSERT_TRUE(platform->Start().ok());
  ASSERT_TRUE(WaitFor([&] { return service.health().ready(); })) << service.health().reason();
  auto reg = registry::NewRegistry(url);
  ASSERT_TRUE(reg.ok());
  EXPECT_TRUE((*reg)->Get("honest").ok());
  service.Shutdown();
}

TEST(Service, IncomingDeadlineAndMetadataBoundTheNextHop) {
  const std::string registry = "memory:///hops";
  auto seen = std::make_shared<testing::EchoRecorder>();
  Service backend(Options("backend", registry));
  ASSERT_TRUE(testing::AddEchoMethods(backend.server(), seen).ok());
  ASSERT_TRUE(backend.Start().ok());

  // "front" forwards Unary to "backend" with the incoming context.
  Service front(Options("front", registry));
  server::Method relay{.service = "micro.test.Relay",
                       .name = "Unary",
                       .request_prototype = &micro::test::EchoRequest::default_instance(),
                       .response_prototype = &micro::test::EchoResponse::default_instance()};
  relay.unary = [&front](Context& ctx, const google::protobuf::Message& req,
                         google::protobuf::Message* resp) {
    return front.Client().Call(ctx, "backend", testing::kEchoUnary, req, resp);
  };
  ASSERT_TRUE(front.server().AddMethod(relay).ok());
  ASSERT_TRUE(front.Start().ok());

  client::Client client(front.registry());
  micro::test::EchoRequest req;
  req.set_message("hi");
  micro::test::EchoResponse resp;

  Context ok_ctx = Context::WithTimeout(5s);
  ok_ctx.metadata().Set("x-user", "alice");
  ASSERT_TRUE(client.Call(ok_ctx, "front", "/micro.test.Relay/Unary", req, &resp).ok());
  EXPECT_EQ(resp.message(), "hi");
  auto call = seen->last();
  EXPECT_EQ(call.metadata.Get("x-user").value_or(""), "alice");
  EXPECT_TRUE(call.has_deadline);
  EXPECT_LT(call.remaining, 5100ms);  // gRPC's timeout header rounds up

  // The backend would sleep 5 s; the caller's 300 ms deadline ends every hop.
  req.set_sleep_ms(5000);
  Context short_ctx = Context::WithTimeout(300ms);
  auto start = std::chrono::steady_clock::now();
  Status s = client.Call(short_ctx, "front", "/micro.test.Relay/Unary", req, &resp);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(s.code(), StatusCode::kDeadlineExceeded) << s;
  EXPECT_LT(took, 2s);
  // The backend's handler, if the call reached it, is cut short long before its 5 s sleep
  // ends. (On a heavily loaded machine the deadline may pass before the relayed call
  // reaches the backend at all: then the hop ended even earlier.)
  ASSERT_TRUE(WaitFor([&] { return seen->finished() == seen->started(); }, 2s));
  if (seen->finished() == 2) {
    EXPECT_TRUE(seen->last().cancelled);
    // gRPC's timeout header rounds up, by at most a few milliseconds here.
    EXPECT_LT(seen->last().remaining, 350ms);
  }

  front.Shutdown();
  backend.Shutdown();
}

TEST(Service, ClientKeepsServingFromItsCacheWhileTheRegistryIsDown) {
  uint16_t port = testing::FreePort();
  std::string url = "platform://127.0.0.1:" + std::to_string(port);
  auto platform =
      std::make_unique<platform::PlatformServer>(platform::PlatformServerOptions{.port = port});
  ASSERT_TRUE(platform->Start().ok());
  Service backend(Options("cached", url));
  ASSERT_TRUE(testing::AddEchoMethods(backend.server()).ok());
  ASSERT_TRUE(backend.Start().ok());
  ASSERT_TRUE(WaitFor([&] { return backend.health().ready(); }));

  auto reg = registry::NewRegistry(url);
  ASSERT_TRUE(reg.ok());
  client::Client client(std::shared_ptr<registry::Registry>(std::move(*reg)));
  micro::test::EchoRequest req;
  req.set_message("cached");
  micro::test::EchoResponse resp;
  Context first = Context::WithTimeout(2s);
  ASSERT_TRUE(client.Call(first, "cached", testing::kEchoUnary, req, &resp).ok());

  platform->Shutdown(0ms);
  platform.reset();
  for (int i = 0; i < 20; ++i) {
    Context ctx = Context::WithTimeout(2s);
    Status s = client.Call(ctx, "cached", testing::kEchoUnary, req, &resp);
    ASSERT_TRUE(s.ok()) << "call " << i << " with the registry down: " << s;
  }
  backend.Shutdown();
}

TEST(Service, NoInstanceFailsFastWithUnavailable) {
  Service service(Options("lonely", "memory:///lonely"));
  ASSERT_TRUE(service.Start().ok());
  micro::test::EchoRequest req;
  micro::test::EchoResponse resp;
  Context ctx = Context::WithTimeout(5s);
  auto start = std::chrono::steady_clock::now();
  Status s = service.Client().Call(ctx, "nobody", testing::kEchoUnary, req, &resp);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("nobody"), std::string::npos) << s;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  service.Shutdown();
}

}  // namespace
}  // namespace micro

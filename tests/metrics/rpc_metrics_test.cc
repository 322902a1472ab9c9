// The default RPC metrics, without transports: the server interceptor around
// Server::Invoke and the client interceptor around a fake terminal.
#include <micro/metrics/rpc.h>

#include <gtest/gtest.h>

#include <thread>

#include "echo.pb.h"
#include "support/echo_methods.h"

namespace micro::metrics {
namespace {

double Value(Registry& r, const std::string& sample) {
  std::string text = r.Render();
  size_t at = text.find(sample + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + sample.size() + 1));
}

TEST(ServerMetrics, CountsByCodeTimesAndTracksInFlight) {
  Registry r;
  server::Server server;
  ASSERT_TRUE(testing::AddEchoMethods(server).ok());
  auto m = ServerMetrics::Create(r);
  ASSERT_TRUE(m.ok()) << m.status();
  server.Use(*m);
  const server::Method* unary = server.Find(testing::kEchoUnary);
  ASSERT_NE(unary, nullptr);

  for (int i = 0; i < 3; ++i) {
    micro::test::EchoRequest req;
    micro::test::EchoResponse resp;
    Context ctx;
    server::CallInfo call{
        .method = *unary, .transport = "test", .request = &req, .response = &resp};
    ASSERT_TRUE(server.Invoke(ctx, call).ok());
  }
  micro::test::EchoRequest bad;
  bad.set_fail_code(static_cast<int>(StatusCode::kNotFound));
  micro::test::EchoResponse resp;
  Context ctx;
  server::CallInfo call{.method = *unary, .transport = "test", .request = &bad, .response = &resp};
  EXPECT_EQ(server.Invoke(ctx, call).code(), StatusCode::kNotFound);

  const std::string labels = "service=\"micro.test.Echo\",method=\"Unary\"";
  EXPECT_EQ(Value(r, "micro_server_requests_total{" + labels + ",code=\"OK\"}"), 3);
  EXPECT_EQ(Value(r, "micro_server_requests_total{" + labels + ",code=\"NOT_FOUND\"}"), 1);
  EXPECT_EQ(Value(r, "micro_server_request_duration_seconds_count{" + labels + "}"), 4);
  EXPECT_EQ(Value(r, "micro_server_in_flight{service=\"micro.test.Echo\"}"), 0);
}

// Two interceptors over one registry (two Services in a process) share the families.
TEST(ServerMetrics, CreatingTwiceOverOneRegistryShares) {
  Registry r;
  ASSERT_TRUE(ServerMetrics::Create(r).ok());
  ASSERT_TRUE(ServerMetrics::Create(r).ok());
  ASSERT_TRUE(ClientMetrics::Create(r).ok());
  // A user metric squatting on a default name is reported, not silently merged.
  Registry squatted;
  ASSERT_TRUE(squatted.AddGauge({.name = "micro_server_requests_total", .help = "Mine."}).ok());
  EXPECT_EQ(ServerMetrics::Create(squatted).status().code(), StatusCode::kAlreadyExists);
}

// Completes every call from another thread, as an async transport would.
struct FakeTransport {
  std::vector<std::thread> threads;
  StatusCode code = StatusCode::kOk;
  static void Send(void* owner, Context&, client::ClientCall&, client::Done done) {
    auto* self = static_cast<FakeTransport*>(owner);
    self->threads.emplace_back([done = std::move(done), code = self->code] {
      done(code == StatusCode::kOk ? Status() : Status(code, "fake"));
    });
  }
  ~FakeTransport() {
    for (auto& t : threads) t.join();
  }
};

TEST(ClientMetrics, MeasuresWhatTheCallerSawWhenDoneRunsOnAnotherThread) {
  Registry r;
  auto m = ClientMetrics::Create(r);
  ASSERT_TRUE(m.ok()) << m.status();
  std::vector<std::shared_ptr<client::ClientInterceptor>> chain = {*m};
  FakeTransport transport;
  std::atomic<int> finished{0};
  for (int i = 0; i < 5; ++i) {
    transport.code = i < 4 ? StatusCode::kOk : StatusCode::kUnavailable;
    Context ctx;
    client::ClientCall call{.service = "greeter", .method = "/helloworld.Greeter/SayHello"};
    client::ClientNext next(&chain, 0, &FakeTransport::Send, &transport);
    next(ctx, call, [&](Status) { finished++; });
  }
  for (auto& t : transport.threads) t.join();
  transport.threads.clear();
  ASSERT_EQ(finished.load(), 5);

  const std::string labels = "service=\"helloworld.Greeter\",method=\"SayHello\"";
  EXPECT_EQ(Value(r, "micro_client_requests_total{" + labels + ",code=\"OK\"}"), 4);
  EXPECT_EQ(Value(r, "micro_client_requests_total{" + labels + ",code=\"UNAVAILABLE\"}"), 1);
  EXPECT_EQ(Value(r, "micro_client_request_duration_seconds_count{" + labels + "}"), 5);
  EXPECT_EQ(Value(r, "micro_client_in_flight{service=\"helloworld.Greeter\"}"), 0);
}

// A stream that ends with a given status, and a terminal that opens one (or fails).
struct FakeStream : client::ClientStream {
  explicit FakeStream(StatusCode end) : end(end) {}
  bool Write(const google::protobuf::Message&) override { return true; }
  bool WritesDone() override { return true; }
  bool Read(google::protobuf::Message*) override { return false; }
  Status Finish() override { return Status(end, "ended"); }
  StatusCode end;
};

client::StreamResult OpenFake(void* owner, Context&, const client::StreamCall&) {
  StatusCode code = *static_cast<StatusCode*>(owner);
  if (code == StatusCode::kUnavailable) return Status::Unavailable("no connection");
  return std::unique_ptr<client::ClientStream>(std::make_unique<FakeStream>(code));
}

TEST(ClientMetrics, AStreamCountsOnceWithTheCodeOfItsEnd) {
  Registry r;
  auto m = ClientMetrics::Create(r);
  ASSERT_TRUE(m.ok()) << m.status();
  std::vector<std::shared_ptr<client::StreamInterceptor>> chain = {*m};
  client::StreamCall call{.service = "greeter", .method = "/helloworld.Greeter/Chat"};
  const std::string labels = "service=\"helloworld.Greeter\",method=\"Chat\"";
  auto open = [&](StatusCode code) {
    Context ctx;
    return client::StreamNext(&chain, 0, &OpenFake, &code)(ctx, call);
  };

  auto ok = open(StatusCode::kOk);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(Value(r, "micro_client_in_flight{service=\"helloworld.Greeter\"}"), 1);
  EXPECT_TRUE((*ok)->Finish().ok());
  EXPECT_TRUE((*ok)->Finish().ok());  // a second Finish counts nothing more
  auto failed = open(StatusCode::kNotFound);
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ((*failed)->Finish().code(), StatusCode::kNotFound);
  EXPECT_FALSE(open(StatusCode::kUnavailable).ok());  // never opened
  open(StatusCode::kOk)->reset();                     // dropped unfinished

  EXPECT_EQ(Value(r, "micro_client_requests_total{" + labels + ",code=\"OK\"}"), 1);
  EXPECT_EQ(Value(r, "micro_client_requests_total{" + labels + ",code=\"NOT_FOUND\"}"), 1);
  EXPECT_EQ(Value(r, "micro_client_requests_total{" + labels + ",code=\"UNAVAILABLE\"}"), 1);
  EXPECT_EQ(Value(r, "micro_client_requests_total{" + labels + ",code=\"CANCELLED\"}"), 1);
  EXPECT_EQ(Value(r, "micro_client_request_duration_seconds_count{" + labels + "}"), 4);
  EXPECT_EQ(Value(r, "micro_client_in_flight{service=\"helloworld.Greeter\"}"), 0);
}

}  // namespace
}  // namespace micro::metrics

// The gRPC transport end to end: a micro Server behind the gRPC server transport on
// loopback, called through the gRPC client transport.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <google/protobuf/wrappers.pb.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/impl/client_unary_call.h>
#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>

#include "echo.pb.h"
#include "grpc_test_env.h"
#include "support/wait.h"
#include "transport/builtin.h"

namespace micro::testing {
namespace {

using micro::test::EchoRequest;
using micro::test::EchoResponse;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

EchoRequest Request(std::string message, int sleep_ms = 0) {
  EchoRequest r;
  r.set_message(std::move(message));
  r.set_sleep_ms(sleep_ms);
  return r;
}

// Every test runs against gRPC's full filter stack (the default) and its minimal stack
// (?minimal_stack=1), where the transport enforces the size limit and deadline itself.
class GrpcTransportTest : public ::testing::TestWithParam<std::string> {
 protected:
  bool minimal() const { return !GetParam().empty(); }
  // Adds the mode's option to a listen URL.
  std::string Listen(std::string url = "grpc://127.0.0.1:0") const {
    if (GetParam().empty()) return url;
    return url + (url.find('?') == std::string::npos ? "?" : "&") + GetParam();
  }
  void Start(GrpcEnvOptions options = {}) {
    options.listen = Listen(options.listen);
    env_ = std::make_unique<GrpcTestEnv>(std::move(options));
    ASSERT_EQ(env_->error(), "");
  }
  void SetUp() override { Start(); }

  Status Unary(Context& ctx, const EchoRequest& request, EchoResponse* response,
               const std::string& path = kEchoUnary) {
    return env_->client().Call(ctx, env_->address(), path, request, response);
  }

  std::unique_ptr<GrpcTestEnv> env_;
};

TEST_P(GrpcTransportTest, UnaryRoundTrip) {
  auto ctx = Context::WithTimeout(std::chrono::seconds(5));
  EchoRequest request = Request("hello");
  request.set_payload(std::string("\0\1\2bytes", 8));
  request.set_count(7);
  EchoResponse response;
  ASSERT_TRUE(Unary(ctx, request, &response).ok());
  EXPECT_EQ(response.message(), "hello");
  EXPECT_EQ(response.payload(), request.payload());
  EXPECT_EQ(response.count(), 7);
}

TEST_P(GrpcTransportTest, UnaryAsyncRoundTrip) {
  constexpr int kCalls = 20;
  std::vector<EchoRequest> requests(kCalls);
  std::vector<EchoResponse> responses(kCalls);
  std::vector<std::promise<Status>> done(kCalls);
  auto ctx = Context::WithTimeout(std::chrono::seconds(5));
  for (int i = 0; i < kCalls; ++i) {
    requests[i] = Request("async-" + std::to_string(i));
    env_->client().CallAsync(ctx, env_->address(), kEchoUnary, requests[i], &responses[i],
                             [&done, i](Status s) { done[i].set_value(std::move(s)); });
  }
  for (int i = 0; i < kCalls; ++i) {
    auto future = done[i].get_future();
    ASSERT_EQ(future.wait_for(std::chrono::seconds(5)), std::future_status::ready);
    EXPECT_TRUE(future.get().ok());
    EXPECT_EQ(responses[i].message(), "async-" + std::to_string(i));
  }
}

TEST_P(GrpcTransportTest, ShortPathReachesMethod) {
  auto ctx = Context::WithTimeout(std::chrono::seconds(5));
  EchoResponse response;
  ASSERT_TRUE(Unary(ctx, Request("short"), &response, "/Echo/Unary").ok());
  EXPECT_EQ(response.message(), "short");
}

TEST_P(GrpcTransportTest, ServerStreaming) {
  auto ctx = Context::WithTimeout(std::chrono::seconds(5));
  auto stream = env_->client().OpenStream(ctx, env_->address(), kEchoServerStream);
  ASSERT_TRUE(stream.ok());
  EchoRequest request = Request("tick");
  request.set_count(5);
  ASSERT_TRUE((*stream)->Write(request));
  ASSERT_TRUE((*stream)->WritesDone());
  EchoResponse response;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE((*stream)->Read(&response)) << i;
    EXPECT_EQ(response.count(), i);
    EXPECT_EQ(response.message(), "tick");
  }
  EXPECT_FALSE((*stream)->Read(&response));
  EXPECT_TRUE((*stream)->Finish().ok());
}

TEST_P(GrpcTransportTest, ClientStreaming) {
  auto ctx = Context::WithTimeout(std::chrono::seconds(5));
  auto stream = env_->client().OpenStream(ctx, env_->address(), kEchoClientStream);
  ASSERT_TRUE(stream.ok());
  for (const char* part : {"a", "b", "c"}) ASSERT_TRUE((*stream)->Write(Request(part)));
  ASSERT_TRUE((*stream)->WritesDone());
  EchoResponse response;
  ASSERT_TRUE((*stream)->Read(&response));
  EXPECT_EQ(response.message(), "abc");
  EXPECT_EQ(response.count(), 3);
  EXPECT_FALSE((*stream)->Read(&response));
  EXPECT_TRUE((*stream)->Finish().ok());
}

TEST_P(GrpcTransportTest, BidiStreaming) {
  auto ctx = Context::WithTimeout(std::chrono::seconds(5));
  auto stream = env_->client().OpenStream(ctx, env_->address(), kEchoBidi);
  ASSERT_TRUE(stream.ok());
  EchoResponse response;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE((*stream)->Write(Request("ping" + std::to_string(i))));
    ASSERT_TRUE((*stream)->Read(&response));
    EXPECT_EQ(response.message(), "ping" + std::to_string(i));
    EXPECT_EQ(response.count(), i);
  }
  ASSERT_TRUE((*stream)->WritesDone());
  EXPECT_FALSE((*stream)->Read(&response));
  EXPECT_TRUE((*stream)->Finish().ok());
}

TEST_P(GrpcTransportTest, StreamErrorStatusReachesClient) {
  auto ctx = Context::WithTimeout(std::chrono::seconds(5));
  auto stream = env_->client().OpenStream(ctx, env_->address(), kEchoBidi);
  ASSERT_TRUE(stream.ok());
  EchoRequest request = Request("no such thing");
  request.set_fail_code(static_cast<int>(StatusCode::kNotFound));
  ASSERT_TRUE((*stream)->Write(request));
  EchoResponse response;
  EXPECT_FALSE((*stream)->Read(&response));
  Status status = (*stream)->Finish();
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_EQ(status.message(), "no such thing");
}

TEST_P(GrpcTransportTest, MetadataTraceAndDeadlineReachHandler) {
  auto ctx = Context::WithTimeout(std::chrono::seconds(5));
  ctx.metadata().Add("x-user", "alice");
  ctx.metadata().Add("x-bin-bin", std::string("\0\xff", 2));
  ctx.metadata().Add("content-type", "application/evil");  // hop-by-hop: not forwarded
  ctx.metadata().Add("x-bad", "line\nbreak");              // not valid in gRPC: skipped
  ctx.trace().traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  ctx.trace().tracestate = "vendor=1";
  EchoResponse response;
  ASSERT_TRUE(Unary(ctx, Request("md"), &response).ok());

  EchoCall call = env_->recorder().last();
  EXPECT_EQ(call.metadata.Get("x-user").value_or(""), "alice");
  EXPECT_EQ(call.metadata.Get("x-bin-bin").value_or(""), std::string("\0\xff", 2));
  EXPECT_FALSE(call.metadata.Get("x-bad").has_value());
  EXPECT_NE(call.metadata.Get("content-type").value_or(""), "application/evil");
  EXPECT_FALSE(call.metadata.Get("traceparent").has_value());
  EXPECT_EQ(call.trace.traceparent, ctx.trace().traceparent);
  EXPECT_EQ(call.trace.tracestate, "vendor=1");
  EXPECT_TRUE(call.has_deadline);
  // gRPC carries the deadline as a rounded timeout, measured against a cached clock.
  EXPECT_LE(call.remaining, std::chrono::seconds(5) + milliseconds(50));
  EXPECT_GT(call.remaining, std::chrono::seconds(3));
  EXPECT_NE(call.peer.find("127.0.0.1"), std::string::npos) << call.peer;
}

TEST_P(GrpcTransportTest, NoDeadlineWhenCallerHasNone) {
  Context ctx;
  EchoResponse response;
  ASSERT_TRUE(Unary(ctx, Request("free"), &response).ok());
  EXPECT_FALSE(env_->recorder().last().has_deadline);
}

TEST_P(GrpcTransportTest, DeadlineExceededWithinDeadline) {
  auto ctx = Context::WithTimeout(milliseconds(300));
  auto start = Clock::now();
  EchoResponse response;
  Status status = Unary(ctx, Request("slow", 10000), &response);
  auto elapsed = Clock::now() - start;
  EXPECT_EQ(status.code(), StatusCode::kDeadlineExceeded) << status;
  EXPECT_GE(elapsed, milliseconds(250));
  EXPECT_LT(elapsed, milliseconds(300 + 500));
  // The handler learns about it too, and stops early.
  ASSERT_TRUE(WaitFor([&] { return env_->recorder().finished() == 1; }, milliseconds(3000)));
  EXPECT_TRUE(env_->recorder().last().cancelled);
}

TEST_P(GrpcTransportTest, UnknownMethodIsUnimplemented) {
  auto ctx = Context::WithTimeout(std::chrono::seconds(5));
  EchoResponse response;
  Status status = Unary(ctx, Request("x"), &response, "/micro.test.Echo/Nope");
  EXPECT_EQ(status.code(), StatusCode::kUnimplemented);
  EXPECT_EQ(status.message(), "unknown method /micro.test.Echo/Nope");
}

TEST_P(GrpcTransportTest, HandlerErrorKeepsCodeAndMessage) {
  auto ctx = Context::WithTimeout(std::chrono::seconds(5));
  EchoRequest request = Request("no such user");
  request.set_fail_code(static_cast<int>(StatusCode::kNotFound));
  EchoResponse response;
  Status status = Unary(ctx, request, &response);
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_EQ(status.message(), "no such user");
}

TEST_P(GrpcTransportTest, HandlerThrowingIsInternalAndServerKeepsServing) {
  auto ctx = Context::WithTimeout(std::chrono::seconds(5));
  EchoResponse response;
  Status status = Unary(ctx, Request("throw:kaboom"), &response);
  EXPECT_EQ(status.code(), StatusCode::kInternal);
  EXPECT_NE(status.message().find("kaboom"), std::string::npos) << status;
  ASSERT_TRUE(Unary(ctx, Request("after"), &response).ok());
  EXPECT_EQ(response.message(), "after");
}

TEST_P(GrpcTransportTest, OversizedRequestIsResourceExhausted) {
  auto ctx = Context::WithTimeout(std::chrono::seconds(5));
  EchoRequest request = Request("big");
  request.set_payload(std::string(100 << 10, 'x'));  // limit is 64 KiB
  EchoResponse response;
  EXPECT_EQ(Unary(ctx, request, &response).code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(Unary(ctx, request, &response, "/Echo/Unary").code(), StatusCode::kResourceExhausted);

  auto stream = env_->client().OpenStream(ctx, env_->address(), kEchoBidi);
  ASSERT_TRUE(stream.ok());
  (*stream)->Write(request);
  (*stream)->WritesDone();
  while ((*stream)->Read(&response)) {
  }
  EXPECT_EQ((*stream)->Finish().code(), StatusCode::kResourceExhausted);

  request.set_payload(std::string(1000, 'x'));
  EXPECT_TRUE(Unary(ctx, request, &response).ok());
}

TEST_P(GrpcTransportTest, UnparsableRequestIsInvalidArgument) {
  // Field 1 of EchoRequest is a proto3 string; invalid UTF-8 there does not parse.
  google::protobuf::BytesValue garbage;
  garbage.set_value("\xff\xfe\xfd");
  auto ctx = Context::WithTimeout(std::chrono::seconds(5));
  EchoResponse response;
  for (const char* path : {kEchoUnary, "/Echo/Unary"}) {
    Status status = env_->client().Call(ctx, env_->address(), path, garbage, &response);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << path << " " << status;
  }
  auto stream = env_->client().OpenStream(ctx, env_->address(), kEchoBidi);
  ASSERT_TRUE(stream.ok());
  (*stream)->Write(garbage);
  (*stream)->WritesDone();
  while ((*stream)->Read(&response)) {
  }
  EXPECT_EQ((*stream)->Finish().code(), StatusCode::kInvalidArgument);
}

TEST_P(GrpcTransportTest, ConnectionRefusedIsUnavailableAtOnce) {
  std::string address = "127.0.0.1:" + std::to_string(ClosedPort());
  auto ctx = Context::WithTimeout(std::chrono::seconds(10));
  auto start = Clock::now();
  EchoResponse response;
  Status status = env_->client().Call(ctx, address, kEchoUnary, Request("x"), &response);
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_NE(status.message().find(address), std::string::npos) << status;
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(2));

  std::promise<Status> done;
  env_->client().CallAsync(ctx, address, kEchoUnary, Request("x"), &response,
                           [&](Status s) { done.set_value(std::move(s)); });
  auto future = done.get_future();
  ASSERT_EQ(future.wait_for(std::chrono::seconds(2)), std::future_status::ready);
  EXPECT_EQ(future.get().code(), StatusCode::kUnavailable);

  start = Clock::now();
  auto stream = env_->client().OpenStream(ctx, address, kEchoBidi);
  ASSERT_TRUE(stream.ok());
  (*stream)->Write(Request("x"));
  EXPECT_FALSE((*stream)->Read(&response));
  Status finished = (*stream)->Finish();
  EXPECT_EQ(finished.code(), StatusCode::kUnavailable);
  EXPECT_NE(finished.message().find(address), std::string::npos) << finished;
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(2));
}

TEST_P(GrpcTransportTest, GarbageOnThePortDoesNotHurt) {
  for (int round = 0; round < 3; ++round) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(env_->transport().port());
    ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    std::string garbage = round == 0 ? "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
                                     : std::string(4096, static_cast<char>(0x80 + round));
    if (round == 2) garbage = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + garbage;  // preface, then junk
    ASSERT_EQ(write(fd, garbage.data(), garbage.size()), static_cast<ssize_t>(garbage.size()));
    timeval timeout{.tv_sec = 2, .tv_usec = 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    char buffer[1024];
    while (read(fd, buffer, sizeof(buffer)) > 0) {
    }
    close(fd);
  }
  auto ctx = Context::WithTimeout(std::chrono::seconds(5));
  EchoResponse response;
  ASSERT_TRUE(Unary(ctx, Request("still here"), &response).ok());
  EXPECT_EQ(response.message(), "still here");
}

TEST_P(GrpcTransportTest, NonBlockingRunsOnPollerThreadBlockingOnWorkers) {
  env_.reset();
  Start({.configure = [](server::Server& server, server::HealthState&) {
    ASSERT_TRUE(server.SetExecution(kEchoUnary, server::Execution::kNonBlocking).ok());
  }});
  auto ctx = Context::WithTimeout(std::chrono::seconds(5));
  EchoResponse response;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(Unary(ctx, Request("inline"), &response).ok());
  // Same method by its short path goes through the generic service, still inline.
  ASSERT_TRUE(Unary(ctx, Request("inline"), &response, "/Echo/Unary").ok());
  auto stream = env_->client().OpenStream(ctx, env_->address(), kEchoBidi);
  ASSERT_TRUE(stream.ok());
  ASSERT_TRUE((*stream)->Write(Request("worker")));
  ASSERT_TRUE((*stream)->Read(&response));
  ASSERT_TRUE((*stream)->WritesDone());
  EXPECT_FALSE((*stream)->Read(&response));
  ASSERT_TRUE((*stream)->Finish().ok());

  std::set<std::thread::id> inline_threads;
  std::thread::id worker;
  for (const EchoCall& call : env_->recorder().calls()) {
    if (call.method == "Unary") {
      EXPECT_EQ(call.thread_name, "micro-grpc-cq");
      inline_threads.insert(call.thread);
    } else {
      EXPECT_NE(call.thread_name, "micro-grpc-cq");
      worker = call.thread;
    }
  }
  EXPECT_EQ(inline_threads.size(), 1u);  // one completion queue, one thread
  EXPECT_EQ(inline_threads.count(worker), 0u);
}

TEST_P(GrpcTransportTest, BlockingUnaryRunsOnWorker) {
  auto ctx = Context::WithTimeout(std::chrono::seconds(5));
  EchoResponse response;
  ASSERT_TRUE(Unary(ctx, Request("w"), &response).ok());
  EXPECT_NE(env_->recorder().last().thread_name, "micro-grpc-cq");
}

TEST_P(GrpcTransportTest, ClientCancellationReachesHandler) {
  Context ctx;  // no deadline: only cancellation ends the call
  EchoResponse response;
  std::promise<Status> done;
  env_->client().CallAsync(ctx, env_->address(), kEchoUnary, Request("wait", 20000), &response,
                           [&](Status s) { done.set_value(std::move(s)); });
  ASSERT_TRUE(WaitFor([&] { return env_->recorder().started() == 1; }));
  ctx.Cancel();
  auto future = done.get_future();
  ASSERT_EQ(future.wait_for(std::chrono::seconds(3)), std::future_status::ready);
  EXPECT_EQ(future.get().code(), StatusCode::kCancelled);
  ASSERT_TRUE(WaitFor([&] { return env_->recorder().finished() == 1; }, milliseconds(3000)));
  EXPECT_TRUE(env_->recorder().last().cancelled);

  // The blocking call, cancelled from another thread.
  Context ctx2;
  std::thread canceller([&] {
    if (WaitFor([&] { return env_->recorder().started() == 2; })) ctx2.Cancel();
  });
  Status status = Unary(ctx2, Request("wait", 20000), &response);
  canceller.join();
  EXPECT_EQ(status.code(), StatusCode::kCancelled);
  ASSERT_TRUE(WaitFor([&] { return env_->recorder().finished() == 2; }, milliseconds(3000)));
  EXPECT_TRUE(env_->recorder().last().cancelled);

  // A context cancelled before the call never sends it.
  EXPECT_EQ(Unary(ctx2, Request("late"), &response).code(), StatusCode::kCancelled);
}

TEST_P(GrpcTransportTest, StreamCancellationReachesHandler) {
  Context ctx;
  auto stream = env_->client().OpenStream(ctx, env_->address(), kEchoBidi);
  ASSERT_TRUE(stream.ok());
  EchoResponse response;
  ASSERT_TRUE((*stream)->Write(Request("one")));
  ASSERT_TRUE((*stream)->Read(&response));
  ctx.Cancel();  // the handler is blocked reading the next message
  EXPECT_FALSE((*stream)->Read(&response));
  EXPECT_EQ((*stream)->Finish().code(), StatusCode::kCancelled);
  ASSERT_TRUE(WaitFor([&] { return env_->recorder().finished() == 1; }, milliseconds(3000)));
  EXPECT_TRUE(env_->recorder().last().cancelled);
}

TEST_P(GrpcTransportTest, StreamEndsAtItsDeadline) {
  auto ctx = Context::WithTimeout(milliseconds(300));
  auto start = Clock::now();
  auto stream = env_->client().OpenStream(ctx, env_->address(), kEchoBidi);
  ASSERT_TRUE(stream.ok());
  EchoResponse response;
  ASSERT_TRUE((*stream)->Write(Request("one")));
  ASSERT_TRUE((*stream)->Read(&response));
  EXPECT_FALSE((*stream)->Read(&response));  // the handler waits for a second message
  EXPECT_EQ((*stream)->Finish().code(), StatusCode::kDeadlineExceeded);
  auto elapsed = Clock::now() - start;
  EXPECT_GE(elapsed, milliseconds(250));
  EXPECT_LT(elapsed, milliseconds(300 + 500));
}

TEST_P(GrpcTransportTest, GracefulShutdownLetsInFlightCallFinish) {
  auto ctx = Context::WithTimeout(std::chrono::seconds(10));
  EchoResponse response;
  std::promise<Status> done;
  env_->client().CallAsync(ctx, env_->address(), kEchoUnary, Request("slow", 500), &response,
                           [&](Status s) { done.set_value(std::move(s)); });
  ASSERT_TRUE(WaitFor([&] { return env_->recorder().started() == 1; }));
  env_->StopServer(std::chrono::seconds(5));
  auto future = done.get_future();
  ASSERT_EQ(future.wait_for(std::chrono::seconds(1)), std::future_status::ready);
  EXPECT_TRUE(future.get().ok());
  EXPECT_EQ(response.message(), "slow");
  EXPECT_EQ(env_->server().inflight(), 0u);

  Status after = Unary(ctx, Request("after"), &response);
  EXPECT_EQ(after.code(), StatusCode::kUnavailable) << after;
}

TEST_P(GrpcTransportTest, ShutdownCancelsCallsAtTheDeadline) {
  Context ctx;
  EchoResponse response;
  std::promise<Status> done;
  env_->client().CallAsync(ctx, env_->address(), kEchoUnary, Request("stuck", 20000), &response,
                           [&](Status s) { done.set_value(std::move(s)); });
  auto stream = env_->client().OpenStream(ctx, env_->address(), kEchoBidi);
  ASSERT_TRUE(stream.ok());
  ASSERT_TRUE((*stream)->Write(Request("open")));
  ASSERT_TRUE((*stream)->Read(&response));
  ASSERT_TRUE(WaitFor([&] { return env_->recorder().started() == 2; }));

  auto start = Clock::now();
  env_->StopServer(milliseconds(200));
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(3));
  auto future = done.get_future();
  ASSERT_EQ(future.wait_for(std::chrono::seconds(3)), std::future_status::ready);
  EXPECT_FALSE(future.get().ok());
  EXPECT_FALSE((*stream)->Read(&response));
  EXPECT_FALSE((*stream)->Finish().ok());
  EXPECT_EQ(env_->recorder().finished(), 2u);
  for (const EchoCall& call : env_->recorder().calls()) EXPECT_TRUE(call.cancelled);
}

TEST_P(GrpcTransportTest, ReconnectsQuicklyAfterServerRestart) {
  auto ctx = Context::WithTimeout(std::chrono::seconds(10));
  EchoResponse response;
  ASSERT_TRUE(Unary(ctx, Request("before"), &response).ok());
  uint16_t port = env_->transport().port();
  std::string address = env_->address();
  env_->StopServer();
  EXPECT_EQ(Unary(ctx, Request("down"), &response).code(), StatusCode::kUnavailable);

  GrpcTestEnv restarted(
      {.listen = Listen("grpc://127.0.0.1:" + std::to_string(port)), .configure = nullptr});
  ASSERT_EQ(restarted.error(), "");
  auto start = Clock::now();
  ASSERT_TRUE(WaitFor([&] { return Unary(ctx, Request("again"), &response).ok(); },
                      std::chrono::seconds(3)));
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(2500));
  EXPECT_EQ(restarted.recorder().finished(), 1u);
}

TEST_P(GrpcTransportTest, ForgetDropsTheChannel) {
  auto ctx = Context::WithTimeout(std::chrono::seconds(5));
  EchoResponse response;
  ASSERT_TRUE(Unary(ctx, Request("one"), &response).ok());
  env_->client().Forget(env_->address());
  env_->client().Forget("127.0.0.1:1");  // unknown: no-op
  ASSERT_TRUE(Unary(ctx, Request("two"), &response).ok());
}

TEST_P(GrpcTransportTest, ListenOnTakenPortFails) {
  auto url = Url::Parse(Listen("grpc://127.0.0.1:" + std::to_string(env_->transport().port())));
  ASSERT_TRUE(url.ok());
  auto second = transport::NewGrpcServerTransport(*url);
  ASSERT_TRUE(second.ok());
  server::Server other;
  server::HealthState health;
  EXPECT_FALSE((*second)->Start(other, health).ok());
}

TEST_P(GrpcTransportTest, BadOptionsAreRejected) {
  for (const char* text : {"grpc://127.0.0.1:0?threads=0", "grpc://127.0.0.1:0?bogus=1",
                           "grpc://127.0.0.1:0?minimal_stack=yes"}) {
    auto url = Url::Parse(text);
    ASSERT_TRUE(url.ok()) << text;
    EXPECT_EQ(transport::NewGrpcServerTransport(*url).status().code(), StatusCode::kInvalidArgument)
        << text;
  }
  Url client_url;
  client_url.scheme = "grpc";
  client_url.query["async_threads"] = "lots";
  EXPECT_EQ(transport::NewGrpcClientTransport(client_url).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_P(GrpcTransportTest, ManyConcurrentCallsOnSeveralQueues) {
  env_.reset();
  Start({.listen = "grpc://127.0.0.1:0?threads=3&requests=2",
         .configure = [](server::Server& server, server::HealthState&) {
           ASSERT_TRUE(server.SetExecution(kEchoUnary, server::Execution::kNonBlocking).ok());
         }});
  constexpr int kThreads = 6;
  constexpr int kCalls = 200;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCalls; ++i) {
        auto ctx = Context::WithTimeout(std::chrono::seconds(10));
        std::string text = std::to_string(t) + "/" + std::to_string(i);
        EchoResponse response;
        if (Unary(ctx, Request(text), &response).ok() && response.message() == text) ++ok;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), kThreads * kCalls);
  std::set<std::thread::id> pollers;
  for (const EchoCall& call : env_->recorder().calls()) pollers.insert(call.thread);
  EXPECT_LE(pollers.size(), 3u);
}

TEST_P(GrpcTransportTest, CompressedRequestsAreDecompressed) {
  if (minimal()) GTEST_SKIP() << "the minimal stack has no decompression (documented)";
  // micro's client never compresses; other gRPC clients may.
  auto channel = grpc::CreateChannel(env_->address(), grpc::InsecureChannelCredentials());
  grpc::ClientContext call;
  call.set_compression_algorithm(GRPC_COMPRESS_GZIP);
  EchoRequest request = Request(std::string(2000, 'z'));
  EchoResponse response;
  grpc::internal::RpcMethod method(kEchoUnary, grpc::internal::RpcMethod::NORMAL_RPC);
  grpc::Status status =
      grpc::internal::BlockingUnaryCall<google::protobuf::Message, google::protobuf::Message>(
          channel.get(), method, &call, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.message(), request.message());
}

INSTANTIATE_TEST_SUITE_P(Stacks, GrpcTransportTest, ::testing::Values("", "minimal_stack=1"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param.empty() ? "FullStack" : "MinimalStack";
                         });

}  // namespace
}  // namespace micro::testing

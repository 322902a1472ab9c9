// Generated code for files the helloworld example does not exercise: no package (global
// namespace), a nested package with two services, and methods whose messages come from
// other packages (an imported file, a nested message, a well-known type).
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include <gtest/gtest.h>

#include <micro/server/server.h>

#include "cgtest/deep/relay.micro.h"
#include "codegen/fake_streams.h"
#include "no_package.micro.h"

namespace {

using cgtest::common::Outer_Inner;
using cgtest::common::Payload;
using micro::StatusCode;
using micro::server::Execution;
using micro::server::MethodKind;
using micro::testing::FakeServerStream;

class EchoImpl : public ::EchoHandler {
 public:
  micro::Status Echo(micro::Context&, const ::Ping& request, ::Ping* response) override {
    response->set_text(request.text());
    return {};
  }
  micro::Status EchoStream(micro::Context&,
                           micro::ServerReaderWriter<::Ping, ::Ping>& stream) override {
    ::Ping ping;
    while (stream.Read(&ping)) stream.Write(ping);
    return {};
  }
};

class RelayImpl : public cgtest::deep::relay::RelayHandler {
 public:
  micro::Status Forward(micro::Context&, const Payload& request, Payload* response) override {
    response->set_text("fwd:" + request.text());
    return {};
  }
  micro::Status Ping(micro::Context&, const google::protobuf::Empty&,
                     google::protobuf::Empty*) override {
    return {};
  }
  micro::Status Expand(micro::Context&, const Outer_Inner& request,
                       micro::ServerWriter<Payload>& writer) override {
    for (char c : request.value()) {
      Payload p;
      p.set_text(std::string(1, c));
      writer.Write(p);
    }
    return {};
  }
};

class MirrorImpl : public cgtest::deep::relay::MirrorHandler {
 public:
  micro::Status Sum(micro::Context&, micro::ServerReader<Payload>& reader,
                    Payload* response) override {
    Payload p;
    int sum = 0;
    while (reader.Read(&p)) sum += p.n();
    response->set_n(sum);
    return {};
  }
};

TEST(NoPackageTest, RegistersUnderTheBareServiceName) {
  micro::server::Server server({.worker_threads = 1});
  ASSERT_TRUE(RegisterEcho(server, std::make_shared<EchoImpl>()).ok());
  EXPECT_EQ(server.Services(), std::vector<std::string>{"Echo"});

  const micro::server::Method* echo = server.Find("/Echo/Echo");
  ASSERT_NE(echo, nullptr);
  EXPECT_EQ(echo->kind, MethodKind::kUnary);
  ::Ping request;
  request.set_text("hi");
  ::Ping response;
  micro::Context ctx;
  ASSERT_TRUE(server.Invoke(ctx, {*echo, "test", &request, &response}).ok());
  EXPECT_EQ(response.text(), "hi");

  const micro::server::Method* stream_method = server.Find("/Echo/EchoStream");
  ASSERT_NE(stream_method, nullptr);
  EXPECT_EQ(stream_method->kind, MethodKind::kBidiStreaming);
  FakeServerStream stream;
  stream.AddInput(request);
  stream.AddInput(request);
  ASSERT_TRUE(server.Invoke(ctx, {*stream_method, "test", nullptr, nullptr, &stream}).ok());
  EXPECT_EQ(stream.Outputs<::Ping>().size(), 2u);

  EXPECT_EQ(std::string(::EchoClient::kDefaultServiceName), "echo");
  EXPECT_EQ(std::string(::EchoClient::kFullName), "Echo");
}

TEST(NestedPackageTest, TwoServicesOfOneFileRegisterSideBySide) {
  micro::server::Server server({.worker_threads = 1});
  ASSERT_TRUE(cgtest::deep::relay::RegisterRelay(server, std::make_shared<RelayImpl>()).ok());
  ASSERT_TRUE(cgtest::deep::relay::RegisterMirror(server, std::make_shared<MirrorImpl>()).ok());
  EXPECT_EQ(server.Services(),
            (std::vector<std::string>{"cgtest.deep.relay.Mirror", "cgtest.deep.relay.Relay"}));
  EXPECT_EQ(server.Methods().size(), 4u);

  const micro::server::Method* ping = server.Find("/cgtest.deep.relay.Relay/Ping");
  ASSERT_NE(ping, nullptr);
  EXPECT_EQ(ping->execution, Execution::kNonBlocking);
  EXPECT_EQ(ping->request_prototype, &google::protobuf::Empty::default_instance());
  const micro::server::Method* forward = server.Find("/cgtest.deep.relay.Relay/Forward");
  ASSERT_NE(forward, nullptr);
  EXPECT_EQ(forward->execution, Execution::kBlocking);
  EXPECT_EQ(forward->request_prototype, &Payload::default_instance());
}

TEST(NestedPackageTest, MessagesFromOtherPackagesReachTheHandlers) {
  micro::server::Server server({.worker_threads = 1});
  ASSERT_TRUE(cgtest::deep::relay::RegisterRelay(server, std::make_shared<RelayImpl>()).ok());
  ASSERT_TRUE(cgtest::deep::relay::RegisterMirror(server, std::make_shared<MirrorImpl>()).ok());
  micro::Context ctx;

  Payload request;
  request.set_text("x");
  Payload response;
  ASSERT_TRUE(server
                  .Invoke(ctx, {*server.Find("/cgtest.deep.relay.Relay/Forward"), "test", &request,
                                &response})
                  .ok());
  EXPECT_EQ(response.text(), "fwd:x");

  FakeServerStream expand;
  Outer_Inner inner;
  inner.set_value("abc");
  expand.AddInput(inner);
  ASSERT_TRUE(server
                  .Invoke(ctx, {*server.Find("/cgtest.deep.relay.Relay/Expand"), "test", nullptr,
                                nullptr, &expand})
                  .ok());
  EXPECT_EQ(expand.Outputs<Payload>().size(), 3u);

  FakeServerStream sum;
  for (int n : {1, 2, 3}) {
    Payload p;
    p.set_n(n);
    sum.AddInput(p);
  }
  ASSERT_TRUE(server
                  .Invoke(ctx, {*server.Find("/cgtest.deep.relay.Mirror/Sum"), "test", nullptr,
                                nullptr, &sum})
                  .ok());
  ASSERT_EQ(sum.Outputs<Payload>().size(), 1u);
  EXPECT_EQ(sum.Outputs<Payload>()[0].n(), 6);
}

static_assert(std::is_same_v<decltype(std::declval<const cgtest::deep::relay::RelayClient&>()
                                          .Forward(std::declval<micro::Context&>(), Payload())),
                             micro::Result<Payload>>);
static_assert(std::is_same_v<decltype(std::declval<const cgtest::deep::relay::MirrorClient&>().Sum(
                                 std::declval<micro::Context&>())),
                             micro::Result<micro::ClientWriter<Payload, Payload>>>);

}  // namespace

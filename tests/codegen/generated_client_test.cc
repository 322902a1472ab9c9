// The generated typed client end to end: a micro::Service serving GreeterImpl over gRPC on
// loopback, found by name through an in-process registry, called with every call kind.
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <micro/micro.h>

#include "greeter_handler.h"
#include "helloworld/greeter.micro.h"
#include "support/wait.h"

namespace {

using helloworld::HelloReply;
using helloworld::HelloRequest;
using micro::StatusCode;

HelloRequest Request(const std::string& name, int count = 0) {
  HelloRequest r;
  r.set_name(name);
  r.set_count(count);
  return r;
}

class GeneratedClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    micro::ServiceOptions options;
    options.name = "greeter";
    options.registry = "memory:///codegen-generated-client-test";
    options.http_listen = "";
    options.drain_grace = std::chrono::milliseconds(0);
    options.drain_timeout = std::chrono::seconds(5);
    service_ = std::make_unique<micro::Service>(options);
    ASSERT_TRUE(helloworld::RegisterGreeter(service_->server(),
                                            std::make_shared<helloworld::GreeterImpl>("g1"))
                    .ok());
    ASSERT_TRUE(service_->Start().ok());
    ASSERT_TRUE(micro::testing::WaitFor([&] {
      auto found = service_->registry()->Get("greeter");
      return found.ok() && !found->nodes.empty();
    })) << "the service never appeared in the registry";
    greeter_ = std::make_unique<helloworld::GreeterClient>(service_->Client());
  }
  void TearDown() override {
    greeter_.reset();
    if (service_) service_->Shutdown();
  }

  micro::Context Ctx() { return micro::Context::WithTimeout(std::chrono::seconds(10)); }

  std::unique_ptr<micro::Service> service_;
  std::unique_ptr<helloworld::GreeterClient> greeter_;
};

TEST_F(GeneratedClientTest, UnaryCallByServiceName) {
  micro::Context ctx = Ctx();
  auto reply = greeter_->SayHello(ctx, Request("Ann"));
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->message(), "Hello, Ann");
  EXPECT_EQ(reply->served_by(), "g1");
}

TEST_F(GeneratedClientTest, HandlerErrorReachesTheCaller) {
  micro::Context ctx = Ctx();
  auto reply = greeter_->SayHello(ctx, Request(""));
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(reply.status().message(), "name must not be empty");
}

TEST_F(GeneratedClientTest, AsyncCallCompletes) {
  micro::Context ctx = Ctx();
  HelloRequest request = Request("Bea");
  HelloReply reply;
  std::promise<micro::Status> done;
  greeter_->SayHelloAsync(ctx, request, &reply,
                          [&done](micro::Status s) { done.set_value(std::move(s)); });
  auto result = done.get_future();
  ASSERT_EQ(result.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  micro::Status status = result.get();
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(reply.message(), "Hello, Bea");
}

TEST_F(GeneratedClientTest, ServerStreaming) {
  micro::Context ctx = Ctx();
  auto stream = greeter_->StreamHellos(ctx, Request("Cy", 4));
  ASSERT_TRUE(stream.ok()) << stream.status();
  std::vector<std::string> messages;
  HelloReply reply;
  while (stream->Read(&reply)) messages.push_back(reply.message());
  micro::Status status = stream->Finish();
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(messages, (std::vector<std::string>{"Hello, Cy #1", "Hello, Cy #2", "Hello, Cy #3",
                                                "Hello, Cy #4"}));
}

TEST_F(GeneratedClientTest, ServerStreamingErrorShowsInFinish) {
  micro::Context ctx = Ctx();
  auto stream = greeter_->StreamHellos(ctx, Request(""));
  ASSERT_TRUE(stream.ok()) << stream.status();
  HelloReply reply;
  EXPECT_FALSE(stream->Read(&reply));
  EXPECT_EQ(stream->Finish().code(), StatusCode::kInvalidArgument);
}

TEST_F(GeneratedClientTest, ClientStreaming) {
  micro::Context ctx = Ctx();
  auto collect = greeter_->CollectHellos(ctx);
  ASSERT_TRUE(collect.ok()) << collect.status();
  for (const char* name : {"Ann", "Bob", "Cid"}) ASSERT_TRUE(collect->Write(Request(name)));
  HelloReply reply;
  micro::Status status = collect->Finish(&reply);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(reply.message(), "Hello, Ann, Bob, Cid");
}

TEST_F(GeneratedClientTest, ClientStreamingErrorShowsInFinish) {
  micro::Context ctx = Ctx();
  auto collect = greeter_->CollectHellos(ctx);
  ASSERT_TRUE(collect.ok()) << collect.status();
  HelloReply reply;
  micro::Status status = collect->Finish(&reply);  // no names sent
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status;
}

TEST_F(GeneratedClientTest, BidiStreaming) {
  micro::Context ctx = Ctx();
  auto chat = greeter_->Chat(ctx);
  ASSERT_TRUE(chat.ok()) << chat.status();
  HelloReply reply;
  for (const char* name : {"Ann", "Bob"}) {
    ASSERT_TRUE(chat->Write(Request(name)));
    ASSERT_TRUE(chat->Read(&reply));
    EXPECT_EQ(reply.message(), std::string("Hello, ") + name);
  }
  ASSERT_TRUE(chat->WritesDone());
  EXPECT_FALSE(chat->Read(&reply));
  micro::Status status = chat->Finish();
  EXPECT_TRUE(status.ok()) << status;
}

TEST_F(GeneratedClientTest, UnknownServiceNameFails) {
  helloworld::GreeterClient nobody(service_->Client(), "no-such-service");
  EXPECT_EQ(nobody.service_name(), "no-such-service");
  micro::Context ctx = micro::Context::WithTimeout(std::chrono::seconds(5));
  auto reply = nobody.SayHello(ctx, Request("Ann"));
  EXPECT_FALSE(reply.ok());
}

}  // namespace

// The generated helloworld registration, driven through micro::server::Server alone (no
// transport): what RegisterGreeter puts in the method table, and each call kind's entry
// point running GreeterImpl.
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <micro/server/server.h>

#include "codegen/fake_streams.h"
#include "greeter_handler.h"
#include "helloworld/greeter.micro.h"

namespace {

using helloworld::HelloReply;
using helloworld::HelloRequest;
using micro::StatusCode;
using micro::server::Execution;
using micro::server::Method;
using micro::server::MethodKind;
using micro::testing::FakeServerStream;

HelloRequest Request(const std::string& name, int count = 0, int delay_ms = 0) {
  HelloRequest r;
  r.set_name(name);
  r.set_count(count);
  r.set_delay_ms(delay_ms);
  return r;
}

class GreeterRegisterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(
        helloworld::RegisterGreeter(server_, std::make_shared<helloworld::GreeterImpl>("g1")).ok());
  }

  const Method& Find(const std::string& path) {
    const Method* m = server_.Find(path);
    EXPECT_NE(m, nullptr) << path;
    return *m;
  }

  // A unary call as a transport makes it: the response comes from the prototype.
  micro::Status CallUnary(micro::Context& ctx, const std::string& path, const HelloRequest& request,
                          HelloReply* reply) {
    const Method& m = Find(path);
    std::unique_ptr<google::protobuf::Message> response(m.response_prototype->New());
    micro::server::CallInfo call{m, "test", &request, response.get()};
    micro::Status s = server_.Invoke(ctx, call);
    reply->CopyFrom(*response);
    return s;
  }

  micro::Status CallStream(micro::Context& ctx, const std::string& path, FakeServerStream& stream) {
    micro::server::CallInfo call{Find(path), "test", nullptr, nullptr, &stream};
    return server_.Invoke(ctx, call);
  }

  micro::server::Server server_{{.worker_threads = 1}};
};

TEST_F(GreeterRegisterTest, RegistersEveryMethodWithItsKindAndExecution) {
  EXPECT_EQ(server_.Services(), std::vector<std::string>{"helloworld.Greeter"});
  EXPECT_EQ(server_.Methods().size(), 5u);

  struct Expected {
    const char* path;
    MethodKind kind;
    Execution execution;
  };
  for (const Expected& e : {
           Expected{"/helloworld.Greeter/SayHello", MethodKind::kUnary, Execution::kNonBlocking},
           Expected{"/helloworld.Greeter/SayHelloSlowly", MethodKind::kUnary, Execution::kBlocking},
           Expected{"/helloworld.Greeter/StreamHellos", MethodKind::kServerStreaming,
                    Execution::kBlocking},
           Expected{"/helloworld.Greeter/CollectHellos", MethodKind::kClientStreaming,
                    Execution::kBlocking},
           Expected{"/helloworld.Greeter/Chat", MethodKind::kBidiStreaming, Execution::kBlocking},
       }) {
    const Method* m = server_.Find(e.path);
    ASSERT_NE(m, nullptr) << e.path;
    EXPECT_EQ(m->Path(), e.path);
    EXPECT_EQ(m->service, "helloworld.Greeter");
    EXPECT_EQ(m->kind, e.kind) << e.path;
    EXPECT_EQ(m->execution, e.execution) << e.path;
    EXPECT_EQ(m->request_prototype, &HelloRequest::default_instance()) << e.path;
    EXPECT_EQ(m->response_prototype, &HelloReply::default_instance()) << e.path;
  }
  // The package-less short form finds the same method.
  EXPECT_EQ(server_.Find("/Greeter/SayHello"), server_.Find("/helloworld.Greeter/SayHello"));
}

TEST_F(GreeterRegisterTest, RegisteringTwiceIsAlreadyExistsAndChangesNothing) {
  micro::Status s =
      helloworld::RegisterGreeter(server_, std::make_shared<helloworld::GreeterImpl>("g2"));
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists);
  EXPECT_NE(s.message().find("/helloworld.Greeter/"), std::string::npos) << s;
  EXPECT_EQ(server_.Methods().size(), 5u);

  micro::Context ctx;
  HelloReply reply;
  ASSERT_TRUE(CallUnary(ctx, "/helloworld.Greeter/SayHello", Request("Ann"), &reply).ok());
  EXPECT_EQ(reply.served_by(), "g1");  // the first registration still serves
}

TEST(GreeterRegisterClashTest, OneTakenPathRegistersNothing) {
  micro::server::Server server({.worker_threads = 1});
  Method taken;
  taken.service = "helloworld.Greeter";
  taken.name = "Chat";
  taken.kind = MethodKind::kBidiStreaming;
  taken.request_prototype = &HelloRequest::default_instance();
  taken.response_prototype = &HelloReply::default_instance();
  taken.stream = [](micro::Context&, micro::server::ServerStream&) { return micro::Status(); };
  ASSERT_TRUE(server.AddMethod(std::move(taken)).ok());

  micro::Status s =
      helloworld::RegisterGreeter(server, std::make_shared<helloworld::GreeterImpl>("g1"));
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(server.Methods().size(), 1u);
  EXPECT_EQ(server.Find("/helloworld.Greeter/SayHello"), nullptr);
}

TEST(GreeterRegisterNullTest, NullHandlerIsInvalidArgument) {
  micro::server::Server server({.worker_threads = 1});
  EXPECT_EQ(helloworld::RegisterGreeter(server, nullptr).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(server.Methods().empty());
}

TEST_F(GreeterRegisterTest, UnaryCallReachesTheHandler) {
  micro::Context ctx;
  HelloReply reply;
  ASSERT_TRUE(CallUnary(ctx, "/helloworld.Greeter/SayHello", Request("Ann"), &reply).ok());
  EXPECT_EQ(reply.message(), "Hello, Ann");
  EXPECT_EQ(reply.served_by(), "g1");
}

TEST_F(GreeterRegisterTest, UnaryErrorComesBackAsTheHandlersStatus) {
  micro::Context ctx;
  HelloReply reply;
  micro::Status s = CallUnary(ctx, "/helloworld.Greeter/SayHello", Request(""), &reply);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "name must not be empty");
}

TEST_F(GreeterRegisterTest, InterceptorsSeeTheTypedMessages) {
  class Spy : public micro::server::Interceptor {
   public:
    micro::Status Intercept(micro::Context& ctx, const micro::server::CallInfo& call,
                            micro::server::Next next) override {
      const HelloRequest* request = call.RequestAs<HelloRequest>();
      seen = request ? request->name() : "<none>";
      return next(ctx);
    }
    std::string seen;
  };
  auto spy = std::make_shared<Spy>();
  server_.Use(spy);
  micro::Context ctx;
  HelloReply reply;
  ASSERT_TRUE(CallUnary(ctx, "/helloworld.Greeter/SayHello", Request("Bea"), &reply).ok());
  EXPECT_EQ(spy->seen, "Bea");
}

TEST_F(GreeterRegisterTest, SlowCallTakesItsDelay) {
  micro::Context ctx = micro::Context::WithTimeout(std::chrono::seconds(10));
  HelloReply reply;
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(
      CallUnary(ctx, "/helloworld.Greeter/SayHelloSlowly", Request("Cy", 0, 50), &reply).ok());
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(50));
  EXPECT_EQ(reply.message(), "Hello, Cy");
}

TEST_F(GreeterRegisterTest, SlowCallEndsAtTheDeadline) {
  micro::Context ctx = micro::Context::WithTimeout(std::chrono::milliseconds(50));
  HelloReply reply;
  auto start = std::chrono::steady_clock::now();
  micro::Status s =
      CallUnary(ctx, "/helloworld.Greeter/SayHelloSlowly", Request("Cy", 0, 60000), &reply);
  EXPECT_EQ(s.code(), StatusCode::kDeadlineExceeded);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST_F(GreeterRegisterTest, SlowCallEndsWhenCancelled) {
  micro::Context ctx;
  micro::Status s;
  std::thread call([&] {
    HelloReply reply;
    s = CallUnary(ctx, "/helloworld.Greeter/SayHelloSlowly", Request("Cy", 0, 60000), &reply);
  });
  ctx.Cancel();  // before or during the wait: either way the call ends CANCELLED
  call.join();
  EXPECT_EQ(s.code(), StatusCode::kCancelled);
}

TEST_F(GreeterRegisterTest, ServerStreamingReadsTheRequestAndWritesEachReply) {
  micro::Context ctx;
  FakeServerStream stream;
  stream.AddInput(Request("Ann", 2));
  ASSERT_TRUE(CallStream(ctx, "/helloworld.Greeter/StreamHellos", stream).ok());
  auto replies = stream.Outputs<HelloReply>();
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[0].message(), "Hello, Ann #1");
  EXPECT_EQ(replies[1].message(), "Hello, Ann #2");

  FakeServerStream defaults;
  defaults.AddInput(Request("Bob"));
  ASSERT_TRUE(CallStream(ctx, "/helloworld.Greeter/StreamHellos", defaults).ok());
  EXPECT_EQ(defaults.Outputs<HelloReply>().size(), 3u);
}

TEST_F(GreeterRegisterTest, ServerStreamingPausesDelayBetweenReplies) {
  micro::Context ctx = micro::Context::WithTimeout(std::chrono::seconds(10));
  FakeServerStream stream;
  stream.AddInput(Request("Ann", 3, 20));
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(CallStream(ctx, "/helloworld.Greeter/StreamHellos", stream).ok());
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(40));
  EXPECT_EQ(stream.Outputs<HelloReply>().size(), 3u);
}

TEST_F(GreeterRegisterTest, ServerStreamingWithoutARequestIsInvalidArgument) {
  micro::Context ctx;
  FakeServerStream stream;
  micro::Status s = CallStream(ctx, "/helloworld.Greeter/StreamHellos", stream);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(stream.Outputs<HelloReply>().empty());
}

TEST_F(GreeterRegisterTest, ServerStreamingStopsWhenTheClientIsGone) {
  micro::Context ctx;
  FakeServerStream stream;
  stream.AddInput(Request("Ann", 100));
  stream.FailWritesAfter(1);
  EXPECT_EQ(CallStream(ctx, "/helloworld.Greeter/StreamHellos", stream).code(),
            StatusCode::kCancelled);
  EXPECT_EQ(stream.Outputs<HelloReply>().size(), 1u);
}

TEST_F(GreeterRegisterTest, ClientStreamingWritesTheOneResponse) {
  micro::Context ctx;
  FakeServerStream stream;
  for (const char* name : {"Ann", "Bob", "Cid"}) stream.AddInput(Request(name));
  ASSERT_TRUE(CallStream(ctx, "/helloworld.Greeter/CollectHellos", stream).ok());
  auto replies = stream.Outputs<HelloReply>();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].message(), "Hello, Ann, Bob, Cid");
  EXPECT_EQ(replies[0].served_by(), "g1");
}

TEST_F(GreeterRegisterTest, ClientStreamingErrorWritesNoResponse) {
  micro::Context ctx;
  FakeServerStream stream;  // no names at all
  micro::Status s = CallStream(ctx, "/helloworld.Greeter/CollectHellos", stream);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(stream.Outputs<HelloReply>().empty());
}

TEST_F(GreeterRegisterTest, ClientStreamingResponseThatCannotBeSentIsCancelled) {
  micro::Context ctx;
  FakeServerStream stream;
  stream.AddInput(Request("Ann"));
  stream.FailWritesAfter(0);
  EXPECT_EQ(CallStream(ctx, "/helloworld.Greeter/CollectHellos", stream).code(),
            StatusCode::kCancelled);
}

TEST_F(GreeterRegisterTest, BidiAnswersEachMessage) {
  micro::Context ctx;
  FakeServerStream stream;
  stream.AddInput(Request("Ann"));
  stream.AddInput(Request("Bob"));
  ASSERT_TRUE(CallStream(ctx, "/helloworld.Greeter/Chat", stream).ok());
  auto replies = stream.Outputs<HelloReply>();
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[0].message(), "Hello, Ann");
  EXPECT_EQ(replies[1].message(), "Hello, Bob");
}

// The typed client is checked at compile time here; calls over the network are covered by
// the integration tests.
static_assert(std::is_same_v<decltype(std::declval<const helloworld::GreeterClient&>().SayHello(
                                 std::declval<micro::Context&>(), HelloRequest())),
                             micro::Result<HelloReply>>);
static_assert(std::is_same_v<decltype(std::declval<const helloworld::GreeterClient&>().StreamHellos(
                                 std::declval<micro::Context&>(), HelloRequest())),
                             micro::Result<micro::ClientReader<HelloReply>>>);
static_assert(std::is_same_v<decltype(std::declval<const helloworld::GreeterClient&>()
                                          .CollectHellos(std::declval<micro::Context&>())),
                             micro::Result<micro::ClientWriter<HelloRequest, HelloReply>>>);
static_assert(std::is_same_v<decltype(std::declval<const helloworld::GreeterClient&>().Chat(
                                 std::declval<micro::Context&>())),
                             micro::Result<micro::ClientReaderWriter<HelloRequest, HelloReply>>>);
static_assert(std::string_view(helloworld::GreeterClient::kFullName) == "helloworld.Greeter");
static_assert(std::string_view(helloworld::GreeterClient::kDefaultServiceName) == "greeter");

}  // namespace

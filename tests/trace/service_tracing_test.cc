// Tracing in a running micro::Service: the spans a call produces across processes-worth of
// hops, as an OTLP receiver (a real HTTP server) gets them from each service's exporter.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <micro/client/client.h>
#include <micro/http/http.h>
#include <micro/service.h>
#include <micro/trace/span_context.h>

#include "echo.pb.h"
#include "support/echo_methods.h"
#include "support/wait.h"
#include "trace/otlp_receiver.h"

namespace micro {
namespace {

using namespace std::chrono_literals;
using trace::testing::OtlpReceiver;
using trace::testing::ReceivedSpan;

constexpr char kTraceId[] = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr char kParentId[] = "00f067aa0ba902b7";
constexpr char kSampledParent[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

ServiceOptions Options(const std::string& name, const std::string& registry,
                       const std::string& endpoint) {
  ServiceOptions o{.name = name, .registry = registry};
  o.handle_signals = false;
  o.drain_grace = 0ms;
  o.trace.endpoint = endpoint;
  o.trace.export_interval = 50ms;
  return o;
}

std::vector<ReceivedSpan> Named(const std::vector<ReceivedSpan>& spans, const std::string& name,
                                const std::string& service = "") {
  std::vector<ReceivedSpan> out;
  for (const auto& s : spans) {
    if (s.Name() == name && (service.empty() || s.service == service)) out.push_back(s);
  }
  return out;
}

// A call interceptor that tries up to three times while the attempt fails UNAVAILABLE,
// so that attempts of one call can be told apart (blocking calls only).
class RetryThrice : public client::ClientInterceptor {
 public:
  void Intercept(Context& ctx, client::ClientCall& call, client::ClientNext next,
                 client::Done done) override {
    Status last;
    for (int i = 0; i < 3; ++i) {
      next(ctx, call, [&last](Status s) { last = std::move(s); });
      if (last.code() != StatusCode::kUnavailable) break;
    }
    done(std::move(last));
  }
};

TEST(ServiceTracing, GrpcCallWithTraceparentGetsAChildServerSpan) {
  OtlpReceiver receiver;
  auto seen = std::make_shared<testing::EchoRecorder>();
  Service backend(Options("echo", "memory:///trace-grpc", receiver.endpoint()));
  ASSERT_TRUE(testing::AddEchoMethods(backend.server(), seen).ok());
  ASSERT_TRUE(backend.Start().ok());

  client::Client client(backend.registry());  // untraced: the test is the caller
  test::EchoRequest req;
  req.set_message("hi");
  test::EchoResponse resp;
  Context ctx = Context::WithTimeout(5s);
  ctx.trace().traceparent = kSampledParent;
  ctx.trace().tracestate = "congo=t61rcWkgMzE";
  ASSERT_TRUE(client.Call(ctx, "echo", testing::kEchoUnary, req, &resp).ok());

  req.set_fail_code(static_cast<int>(StatusCode::kNotFound));
  req.set_message("no such thing");
  EXPECT_EQ(client.Call(ctx, "echo", testing::kEchoUnary, req, &resp).code(),
            StatusCode::kNotFound);
  backend.Shutdown();  // exports what is queued

  auto spans = Named(receiver.spans(), "micro.test.Echo/Unary");
  ASSERT_EQ(spans.size(), 2u);
  const ReceivedSpan& ok = spans[0];
  EXPECT_EQ(ok.service, "echo");
  EXPECT_EQ(ok.span["kind"], 2);
  EXPECT_EQ(ok.Trace(), kTraceId);
  EXPECT_EQ(ok.Parent(), kParentId);
  EXPECT_EQ(ok.span.value("traceState", ""), "congo=t61rcWkgMzE");
  EXPECT_EQ(ok.Attr("rpc.system"), "grpc");
  EXPECT_EQ(ok.Attr("rpc.service"), "micro.test.Echo");
  EXPECT_EQ(ok.Attr("rpc.method"), "Unary");
  EXPECT_EQ(ok.Attr("rpc.grpc.status_code"), "0");
  EXPECT_EQ(ok.Attr("net.peer.name"), "127.0.0.1");
  EXPECT_NE(ok.Attr("net.peer.port"), "");
  EXPECT_EQ(ok.span["status"]["code"], 0);

  const ReceivedSpan& failed = spans[1];
  EXPECT_EQ(failed.Attr("rpc.grpc.status_code"), "5");
  EXPECT_EQ(failed.span["status"]["code"], 2);
  EXPECT_EQ(failed.span["status"]["message"], "no such thing");

  // The handler's Context carried the server span, so its own calls become its children.
  auto calls = seen->calls();
  ASSERT_EQ(calls.size(), 2u);
  auto handler_ctx = trace::ParseTraceParent(calls[0].trace.traceparent);
  ASSERT_TRUE(handler_ctx.ok()) << calls[0].trace.traceparent;
  EXPECT_EQ(handler_ctx->trace_id.Hex(), kTraceId);
  EXPECT_EQ(handler_ctx->span_id.Hex(), ok.Id());
  EXPECT_TRUE(handler_ctx->sampled());
  EXPECT_EQ(calls[0].trace.tracestate, "congo=t61rcWkgMzE");
}

TEST(ServiceTracing, HttpCallWithTraceparentHeaderGetsAChildServerSpan) {
  OtlpReceiver receiver;
  Service backend(Options("echo-http", "memory:///trace-http", receiver.endpoint()));
  ASSERT_TRUE(testing::AddEchoMethods(backend.server()).ok());
  ASSERT_TRUE(backend.Start().ok());

  http::HttpClient http;
  auto r = http.Do("127.0.0.1:" + std::to_string(backend.port("http")), "POST",
                   "/micro.test.Echo/Unary", R"({"message":"hi"})",
                   {{"content-type", "application/json"},
                    {"traceparent", kSampledParent},
                    {"tracestate", "rojo=00f067aa0ba902b7"}},
                   5s);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200) << r->body;
  // A malformed traceparent starts a new trace instead of failing the call.
  r = http.Do("127.0.0.1:" + std::to_string(backend.port("http")), "POST", "/micro.test.Echo/Unary",
              R"({"message":"hi"})",
              {{"content-type", "application/json"}, {"traceparent", "00-zzz-01"}}, 5s);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200) << r->body;
  backend.Shutdown();

  auto spans = Named(receiver.spans(), "micro.test.Echo/Unary");
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[0].Trace(), kTraceId);
  EXPECT_EQ(spans[0].Parent(), kParentId);
  EXPECT_EQ(spans[0].span.value("traceState", ""), "rojo=00f067aa0ba902b7");
  EXPECT_EQ(spans[0].Attr("rpc.system"), "http");
  EXPECT_EQ(spans[0].Attr("http.request.method"), "POST");
  EXPECT_EQ(spans[0].Attr("http.response.status_code"), "200");
  EXPECT_EQ(spans[0].Attr("url.path"), "/micro.test.Echo/Unary");
  EXPECT_NE(spans[1].Trace(), kTraceId);
  EXPECT_EQ(spans[1].Parent(), "");  // a root
}

// front.Relay/Unary calls backend's Echo/Unary with its handler Context.
struct Chain {
  explicit Chain(const std::string& endpoint, const std::string& registry)
      : backend(Options("backend", registry, endpoint)),
        front(Options("front", registry, endpoint)) {
    EXPECT_TRUE(testing::AddEchoMethods(backend.server()).ok());
    EXPECT_TRUE(backend.Start().ok());
    server::Method relay{.service = "micro.test.Relay",
                         .name = "Unary",
                         .request_prototype = &test::EchoRequest::default_instance(),
                         .response_prototype = &test::EchoResponse::default_instance()};
    relay.unary = [this](Context& ctx, const google::protobuf::Message& req,
                         google::protobuf::Message* resp) {
      return front.Client().Call(ctx, "backend", testing::kEchoUnary, req, resp);
    };
    EXPECT_TRUE(front.server().AddMethod(relay).ok());
    EXPECT_TRUE(front.Start().ok());
  }
  void Shutdown() {
    front.Shutdown();
    backend.Shutdown();
  }
  Service backend;
  Service front;
};

TEST(ServiceTracing, OutgoingCallIsAClientSpanWhoseChildIsTheDownstreamServerSpan) {
  OtlpReceiver receiver;
  Chain chain(receiver.endpoint(), "memory:///trace-chain");
  client::Client caller(chain.front.registry());
  test::EchoRequest req;
  req.set_message("through");
  test::EchoResponse resp;
  Context ctx = Context::WithTimeout(5s);
  ctx.trace().traceparent = kSampledParent;
  ASSERT_TRUE(caller.Call(ctx, "front", "/micro.test.Relay/Unary", req, &resp).ok());
  EXPECT_EQ(resp.message(), "through");
  chain.Shutdown();

  auto spans = receiver.spans();
  auto front_server = Named(spans, "micro.test.Relay/Unary", "front");
  auto front_client = Named(spans, "micro.test.Echo/Unary", "front");
  auto backend_server = Named(spans, "micro.test.Echo/Unary", "backend");
  ASSERT_EQ(front_server.size(), 1u);
  ASSERT_EQ(front_client.size(), 1u);
  ASSERT_EQ(backend_server.size(), 1u);
  for (const auto& s : {front_server[0], front_client[0], backend_server[0]}) {
    EXPECT_EQ(s.Trace(), kTraceId) << s.span;
  }
  EXPECT_EQ(front_server[0].Parent(), kParentId);
  EXPECT_EQ(front_client[0].Parent(), front_server[0].Id());
  EXPECT_EQ(backend_server[0].Parent(), front_client[0].Id());

  const ReceivedSpan& c = front_client[0];
  EXPECT_EQ(c.span["kind"], 3);
  EXPECT_EQ(c.Attr("rpc.system"), "grpc");
  EXPECT_EQ(c.Attr("rpc.service"), "micro.test.Echo");
  EXPECT_EQ(c.Attr("rpc.method"), "Unary");
  EXPECT_EQ(c.Attr("peer.service"), "backend");
  EXPECT_EQ(c.Attr("server.address"), "127.0.0.1");
  EXPECT_EQ(c.Attr("net.peer.port"), std::to_string(chain.backend.port("grpc")));
  EXPECT_EQ(c.Attr("rpc.grpc.status_code"), "0");
  EXPECT_EQ(c.Attr("micro.attempt"), "1");
}

TEST(ServiceTracing, AsyncFanOutFromOneContextGivesEachCallItsOwnChildSpan) {
  OtlpReceiver receiver;
  const std::string registry = "memory:///trace-fanout";
  Service backend(Options("backend", registry, receiver.endpoint()));
  ASSERT_TRUE(testing::AddEchoMethods(backend.server()).ok());
  ASSERT_TRUE(backend.Start().ok());
  Service front(Options("front", registry, receiver.endpoint()));
  server::Method fan{.service = "micro.test.Fan",
                     .name = "Out",
                     .request_prototype = &test::EchoRequest::default_instance(),
                     .response_prototype = &test::EchoResponse::default_instance()};
  // Three async calls with the handler's one Context, in flight at the same time.
  fan.unary = [&front](Context& ctx, const google::protobuf::Message& req,
                       google::protobuf::Message*) {
    constexpr int kCalls = 3;
    std::vector<test::EchoResponse> responses(kCalls);
    std::mutex mu;
    std::condition_variable cv;
    int done = 0;
    Status first_error;
    for (int i = 0; i < kCalls; ++i) {
      front.Client().CallAsync(ctx, "backend", testing::kEchoUnary, req, &responses[i],
                               [&](Status s) {
                                 std::lock_guard lock(mu);
                                 if (!s.ok() && first_error.ok()) first_error = s;
                                 ++done;
                                 cv.notify_all();
                               });
    }
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return done == kCalls; });
    return first_error;
  };
  ASSERT_TRUE(front.server().AddMethod(fan).ok());
  ASSERT_TRUE(front.Start().ok());

  client::Client caller(front.registry());
  test::EchoRequest req;
  req.set_sleep_ms(20);  // keeps the three calls in flight together
  test::EchoResponse resp;
  Context ctx = Context::WithTimeout(5s);
  ctx.trace().traceparent = kSampledParent;
  ASSERT_TRUE(caller.Call(ctx, "front", "/micro.test.Fan/Out", req, &resp).ok());
  front.Shutdown();
  backend.Shutdown();

  auto spans = receiver.spans();
  auto root = Named(spans, "micro.test.Fan/Out", "front");
  auto calls = Named(spans, "micro.test.Echo/Unary", "front");
  auto served = Named(spans, "micro.test.Echo/Unary", "backend");
  ASSERT_EQ(root.size(), 1u);
  ASSERT_EQ(calls.size(), 3u);
  ASSERT_EQ(served.size(), 3u);
  std::set<std::string> call_ids;
  for (const auto& c : calls) {
    EXPECT_EQ(c.Parent(), root[0].Id());
    call_ids.insert(c.Id());
  }
  EXPECT_EQ(call_ids.size(), 3u);
  std::set<std::string> served_parents;
  for (const auto& s : served) served_parents.insert(s.Parent());
  EXPECT_EQ(served_parents, call_ids);  // each downstream span under its own call
}

TEST(ServiceTracing, EachAttemptOfARetriedCallIsItsOwnClientSpan) {
  OtlpReceiver receiver;
  Chain chain(receiver.endpoint(), "memory:///trace-retry");
  // Installed before the first call: Client() is made on first use.
  chain.front.Client().Use(std::make_shared<RetryThrice>());
  client::Client caller(chain.front.registry());
  test::EchoRequest req;
  req.set_fail_code(static_cast<int>(StatusCode::kUnavailable));
  req.set_message("backend down");
  test::EchoResponse resp;
  Context ctx = Context::WithTimeout(5s);  // no traceparent: the front starts the trace
  EXPECT_EQ(caller.Call(ctx, "front", "/micro.test.Relay/Unary", req, &resp).code(),
            StatusCode::kUnavailable);
  chain.Shutdown();

  auto spans = receiver.spans();
  auto root = Named(spans, "micro.test.Relay/Unary", "front");
  auto attempts = Named(spans, "micro.test.Echo/Unary", "front");
  auto served = Named(spans, "micro.test.Echo/Unary", "backend");
  ASSERT_EQ(root.size(), 1u);
  ASSERT_EQ(attempts.size(), 3u);
  ASSERT_EQ(served.size(), 3u);
  EXPECT_EQ(root[0].Parent(), "");
  EXPECT_EQ(root[0].span["status"]["code"], 2);
  for (int i = 0; i < 3; ++i) {
    const ReceivedSpan& a = attempts[i];
    EXPECT_EQ(a.Trace(), root[0].Trace());
    EXPECT_EQ(a.Parent(), root[0].Id());
    EXPECT_EQ(a.Attr("micro.attempt"), std::to_string(i + 1));
    EXPECT_EQ(a.Attr("rpc.grpc.status_code"), "14");
    EXPECT_EQ(a.span["status"]["code"], 2);
    // The client's status names the address it tried.
    EXPECT_NE(a.span["status"]["message"].get<std::string>().find("backend down"),
              std::string::npos);
    // Each attempt's own server span hangs off that attempt.
    int children = 0;
    for (const auto& s : served) children += s.Parent() == a.Id();
    EXPECT_EQ(children, 1) << "attempt " << i + 1;
  }
}

TEST(ServiceTracing, AnUnsampledTraceStaysUnsampledAndUnexportedAcrossHops) {
  OtlpReceiver receiver;
  Chain chain(receiver.endpoint(), "memory:///trace-unsampled");
  client::Client caller(chain.front.registry());
  test::EchoRequest req;
  test::EchoResponse resp;
  Context ctx = Context::WithTimeout(5s);
  ctx.trace().traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00";
  ASSERT_TRUE(caller.Call(ctx, "front", "/micro.test.Relay/Unary", req, &resp).ok());
  chain.Shutdown();
  EXPECT_EQ(receiver.count(), 0u);
}

TEST(ServiceTracing, RatioSamplingKeepsATenthOfTenThousandRootCalls) {
  OtlpReceiver receiver;
  ServiceOptions o = Options("sampled", "memory:///trace-ratio", receiver.endpoint());
  o.trace.sampler = "parentbased_traceidratio";
  o.trace.ratio = 0.1;
  o.trace.queue_size = 20000;  // this test counts spans; it is not about drops
  Service backend(o);
  ASSERT_TRUE(testing::AddEchoMethods(backend.server()).ok());
  ASSERT_TRUE(backend.Start().ok());

  constexpr int kCalls = 10000;
  client::Client client(backend.registry());
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&] {
      test::EchoRequest req;
      test::EchoResponse resp;
      for (int i = 0; i < kCalls / 2; ++i) {
        Context ctx = Context::WithTimeout(5s);  // no traceparent: every call is a root
        if (!client.Call(ctx, "sampled", testing::kEchoUnary, req, &resp).ok()) ++failed;
      }
    });
  }
  for (auto& t : threads) t.join();
  backend.Shutdown();
  EXPECT_EQ(failed, 0);

  auto spans = Named(receiver.spans(), "micro.test.Echo/Unary");
  EXPECT_NEAR(static_cast<double>(spans.size()), kCalls * 0.1, kCalls * 0.015)
      << spans.size() << " of " << kCalls << " root calls sampled";
  for (const auto& s : spans) EXPECT_EQ(s.Parent(), "");
}

TEST(ServiceTracing, BadTraceOptionsFailStartNamingTheKey) {
  ServiceOptions o = Options("bad", "memory:///trace-bad", "");
  o.trace.sampler = "sometimes";
  Service service(o);
  Status s = service.Start();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("trace.sampler"), std::string::npos) << s;

  ServiceOptions e = Options("bad", "memory:///trace-bad", "https://collector:4318");
  Service service2(e);
  s = service2.Start();
  EXPECT_NE(s.message().find("trace.endpoint"), std::string::npos) << s;
}

TEST(ServiceTracing, OptionsComeFromConfigKeys) {
  const char* argv[] = {"svc", "--name=svc", "--trace.sampler=parentbased_traceidratio",
                        "--trace.ratio=0.25", "--trace.endpoint=http://127.0.0.1:7700"};
  auto o = ServiceOptions::FromArgs(5, argv, {});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->trace.sampler, "parentbased_traceidratio");
  EXPECT_DOUBLE_EQ(o->trace.ratio, 0.25);
  EXPECT_EQ(o->trace.endpoint, "http://127.0.0.1:7700");
  auto d = ServiceOptions::FromArgs(1, argv, {.name = "svc"});
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->trace.sampler, "parentbased_always_on");
  EXPECT_EQ(d->trace.endpoint, "");
}

TEST(ServiceTracing, AStreamIsOneClientSpanFromItsOpeningToItsEnd) {
  OtlpReceiver receiver;
  Service backend(Options("backend", "memory:///trace-stream", receiver.endpoint()));
  ASSERT_TRUE(testing::AddEchoMethods(backend.server()).ok());
  ASSERT_TRUE(backend.Start().ok());
  Service caller(Options("caller", "memory:///trace-stream", receiver.endpoint()));
  ASSERT_TRUE(caller.Start().ok());  // tracing starts with the service
  Context ctx = Context::WithTimeout(5s);
  ctx.trace().traceparent = kSampledParent;

  // Three replies, then OK.
  auto stream = caller.Client().OpenStream(ctx, "backend", testing::kEchoServerStream);
  ASSERT_TRUE(stream.ok()) << stream.status();
  test::EchoRequest req;
  req.set_message("s");
  req.set_count(3);
  ASSERT_TRUE((*stream)->Write(req));
  (*stream)->WritesDone();
  test::EchoResponse resp;
  int replies = 0;
  while ((*stream)->Read(&resp)) ++replies;
  EXPECT_EQ(replies, 3);
  EXPECT_TRUE((*stream)->Finish().ok());
  // A stream the server fails.
  auto failing = caller.Client().OpenStream(ctx, "backend", testing::kEchoServerStream);
  ASSERT_TRUE(failing.ok()) << failing.status();
  req.set_fail_code(static_cast<int>(StatusCode::kNotFound));
  req.set_message("gone");
  ASSERT_TRUE((*failing)->Write(req));
  (*failing)->WritesDone();
  while ((*failing)->Read(&resp)) {
  }
  EXPECT_EQ((*failing)->Finish().code(), StatusCode::kNotFound);
  // A stream its caller drops without finishing.
  auto dropped = caller.Client().OpenStream(ctx, "backend", testing::kEchoBidi);
  ASSERT_TRUE(dropped.ok()) << dropped.status();
  dropped->reset();
  caller.Shutdown();
  backend.Shutdown();

  auto spans = receiver.spans();
  auto client_spans = Named(spans, "micro.test.Echo/ServerStream", "caller");
  auto server_spans = Named(spans, "micro.test.Echo/ServerStream", "backend");
  ASSERT_EQ(client_spans.size(), 2u);
  ASSERT_EQ(server_spans.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const ReceivedSpan& c = client_spans[i];
    EXPECT_EQ(c.span["kind"], 3);
    EXPECT_EQ(c.Trace(), kTraceId);
    EXPECT_EQ(c.Parent(), kParentId);
    EXPECT_EQ(c.Attr("rpc.method"), "ServerStream");
    EXPECT_EQ(c.Attr("peer.service"), "backend");
    // The server span of the same stream is the client span's child.
    bool child_found = false;
    for (const auto& s : server_spans) child_found |= s.Parent() == c.Id();
    EXPECT_TRUE(child_found) << c.span;
  }
  EXPECT_EQ(client_spans[0].Attr("rpc.grpc.status_code"), "0");
  EXPECT_EQ(client_spans[0].span["status"]["code"], 0);
  EXPECT_EQ(client_spans[1].Attr("rpc.grpc.status_code"), "5");
  EXPECT_EQ(client_spans[1].span["status"]["code"], 2);
  EXPECT_EQ(client_spans[1].span["status"]["message"], "gone");
  auto bidi = Named(spans, "micro.test.Echo/Bidi", "caller");
  ASSERT_EQ(bidi.size(), 1u);
  EXPECT_EQ(bidi[0].Attr("rpc.grpc.status_code"), "1");  // CANCELLED
}

}  // namespace
}  // namespace micro

// The HTTP/JSON server transport over a real socket: unary JSON calls (full and short
// paths), errors as JSON with the mapped HTTP statuses, NDJSON server streams, health,
// metadata and deadlines from headers, and curl as a third-party client.
//
// The methods are built by hand on protobuf's own types (google.protobuf.Field has
// snake_case primitive fields; StringValue is a one-field wrapper), so the test needs no
// generated service code.
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

#include <google/protobuf/type.pb.h>
#include <google/protobuf/wrappers.pb.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <micro/core/url.h>
#include <micro/http/http.h>
#include <micro/server/health.h>
#include <micro/server/http_routes.h>
#include <micro/server/server.h>

#include "support/wait.h"
#include "transport/builtin.h"

namespace micro::transport {
namespace {

using namespace std::chrono_literals;
using google::protobuf::Field;
using google::protobuf::Message;
using google::protobuf::StringValue;
using nlohmann::json;
using server::Method;
using server::MethodKind;

Method Unary(std::string name, const Message* in, const Message* out, Method::UnaryFn fn) {
  Method m;
  m.service = "test.v1.Echo";
  m.name = std::move(name);
  m.kind = MethodKind::kUnary;
  m.request_prototype = in;
  m.response_prototype = out;
  m.unary = std::move(fn);
  return m;
}

class HttpTransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* field = &Field::default_instance();
    const auto* text = &StringValue::default_instance();
    // Echoes the Field with number + 1.
    ASSERT_TRUE(server_
                    .AddMethod(Unary("Describe", field, field,
                                     [](Context&, const Message& in, Message* out) {
                                       auto* f = static_cast<Field*>(out);
                                       f->CopyFrom(in);
                                       f->set_number(f->number() + 1);
                                       return Status();
                                     }))
                    .ok());
    // "meta:<key>" answers the metadata value, "deadline" the time left, "throw" throws,
    // "denied" fails with PERMISSION_DENIED; anything else is echoed.
    ASSERT_TRUE(
        server_
            .AddMethod(Unary("Say", text, text,
                             [](Context& ctx, const Message& in, Message* out) -> Status {
                               const std::string& v = static_cast<const StringValue&>(in).value();
                               auto* reply = static_cast<StringValue*>(out);
                               if (v.rfind("meta:", 0) == 0) {
                                 reply->set_value(std::string(
                                     ctx.metadata().Get(v.substr(5)).value_or("<none>")));
                               } else if (v == "deadline") {
                                 reply->set_value(ctx.has_deadline() ? "has deadline" : "none");
                               } else if (v == "trace") {
                                 reply->set_value(ctx.trace().traceparent);
                               } else if (v == "peer") {
                                 reply->set_value(ctx.peer());
                               } else if (v == "throw") {
                                 throw std::runtime_error("kaboom");
                               } else if (v == "denied") {
                                 return Status::PermissionDenied("not you");
                               } else {
                                 reply->set_value(v);
                               }
                               return {};
                             }))
            .ok());
    Method inline_say = Unary("Fast", text, text, [](Context&, const Message& in, Message* out) {
      out->CopyFrom(in);
      return Status();
    });
    inline_say.execution = server::Execution::kNonBlocking;
    ASSERT_TRUE(server_.AddMethod(std::move(inline_say)).ok());

    // Server stream: "n" lines counting up from 1; value "fail" fails after two.
    Method count;
    count.service = "test.v1.Echo";
    count.name = "Count";
    count.kind = MethodKind::kServerStreaming;
    count.request_prototype = text;
    count.response_prototype = text;
    count.stream = [](Context&, server::ServerStream& stream) -> Status {
      StringValue req;
      if (!stream.Read(&req)) return Status::InvalidArgument("no request");
      if (req.value() == "early") return Status::FailedPrecondition("refused before writing");
      int n = req.value() == "fail" ? 2 : std::stoi(req.value());
      for (int i = 1; i <= n; ++i) {
        StringValue out;
        out.set_value(std::to_string(i));
        if (!stream.Write(out)) return Status::Cancelled("peer left");
      }
      if (req.value() == "fail") return Status::Internal("stopped midway");
      return {};
    };
    ASSERT_TRUE(server_.AddMethod(std::move(count)).ok());

    Method upload;
    upload.service = "test.v1.Echo";
    upload.name = "Upload";
    upload.kind = MethodKind::kClientStreaming;
    upload.request_prototype = text;
    upload.response_prototype = text;
    upload.stream = [](Context&, server::ServerStream&) { return Status(); };
    ASSERT_TRUE(server_.AddMethod(std::move(upload)).ok());

    server::AddHttpRoute("GET", "/extra", [](http::Request, http::Responder respond) {
      respond(http::Response::Text(200, "extra route"));
    });

    auto url = Url::Parse("http://127.0.0.1:0?threads=2");
    ASSERT_TRUE(url.ok());
    auto transport = NewHttpServerTransport(*url);
    ASSERT_TRUE(transport.ok()) << transport.status();
    transport_ = std::move(*transport);
    ASSERT_TRUE(transport_->Start(server_, health_).ok());
    EXPECT_EQ(transport_->name(), "http");
    addr_ = "127.0.0.1:" + std::to_string(transport_->port());
  }

  void TearDown() override {
    transport_->Shutdown(std::chrono::steady_clock::now() + 2s);
    server::RemoveHttpRoute("GET", "/extra");
  }

  Result<http::ClientResponse> Post(const std::string& path, const std::string& body,
                                    http::Headers headers = {}) {
    headers.emplace_back("content-type", "application/json");
    return client_.Do(addr_, "POST", path, body, headers, 5s);
  }

  server::Server server_{{.worker_threads = 4, .max_request_bytes = 4096}};
  server::HealthState health_;
  std::unique_ptr<server::Transport> transport_;
  http::HttpClient client_;
  std::string addr_;
};

TEST_F(HttpTransportTest, UnaryJsonRoundTrip) {
  auto r = Post("/test.v1.Echo/Describe", R"({"name":"id","type_url":"t","number":41})");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->Header("content-type"), "application/json");
  auto j = json::parse(r->body);
  EXPECT_EQ(j["name"], "id");
  EXPECT_EQ(j["typeUrl"], "t");  // lowerCamelCase out
  EXPECT_EQ(j["number"], 42);
  EXPECT_EQ(j["packed"], false);  // zero values are printed
  EXPECT_EQ(j["oneofIndex"], 0);
  EXPECT_EQ(j["kind"], "TYPE_UNKNOWN");
}

TEST_F(HttpTransportTest, ShortPathAndCamelCaseInput) {
  auto r = Post("/Echo/Describe", R"({"typeUrl":"camel","jsonName":"j"})");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200) << r->body;
  auto j = json::parse(r->body);
  EXPECT_EQ(j["typeUrl"], "camel");
  EXPECT_EQ(j["jsonName"], "j");
  EXPECT_EQ(j["number"], 1);
}

TEST_F(HttpTransportTest, EmptyBodyIsTheEmptyMessage) {
  auto r = Post("/test.v1.Echo/Describe", "");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(json::parse(r->body)["number"], 1);
}

TEST_F(HttpTransportTest, ProtobufBodyGetsAProtobufAnswer) {
  Field f;
  f.set_name("bin");
  f.set_number(9);
  auto r = client_.Do(addr_, "POST", "/test.v1.Echo/Describe", f.SerializeAsString(),
                      {{"content-type", "application/x-protobuf"}}, 5s);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("content-type"), "application/x-protobuf");
  Field out;
  ASSERT_TRUE(out.ParseFromString(r->body));
  EXPECT_EQ(out.name(), "bin");
  EXPECT_EQ(out.number(), 10);
}

TEST_F(HttpTransportTest, MalformedJsonIs400WithTheParsersMessage) {
  auto r = Post("/test.v1.Echo/Describe", R"({"name": )");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 400);
  auto j = json::parse(r->body);
  EXPECT_EQ(j["code"], "INVALID_ARGUMENT");
  EXPECT_NE(j["message"].get<std::string>().find("google.protobuf.Field"), std::string::npos);
  EXPECT_GT(j["message"].get<std::string>().size(), 40u);
}

TEST_F(HttpTransportTest, UnknownFieldIs400) {
  auto r = Post("/test.v1.Echo/Describe", R"({"nmae":"typo"})");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("nmae"), std::string::npos) << r->body;
}

TEST_F(HttpTransportTest, UnknownMethodIs404Unimplemented) {
  auto r = Post("/test.v1.Echo/Nope", "{}");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 404);
  auto j = json::parse(r->body);
  EXPECT_EQ(j["code"], "UNIMPLEMENTED");
  EXPECT_NE(j["message"].get<std::string>().find("/test.v1.Echo/Nope"), std::string::npos);
}

TEST_F(HttpTransportTest, GetOnAnRpcPathIs405) {
  auto r = client_.Get(addr_, "/test.v1.Echo/Say", 5s);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->Header("allow"), "POST");
  auto other = client_.Get(addr_, "/not/there", 5s);
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->status, 404);
  EXPECT_EQ(json::parse(other->body)["code"], "NOT_FOUND");
}

TEST_F(HttpTransportTest, BodyOverTheServerLimitIs413) {
  std::string big = R"({"value":")" + std::string(8000, 'x') + R"("})";
  auto r = Post("/test.v1.Echo/Say", big);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(json::parse(r->body)["code"], "RESOURCE_EXHAUSTED");
}

TEST_F(HttpTransportTest, HandlerExceptionIs500AndTheNextCallWorks) {
  auto r = Post("/test.v1.Echo/Say", R"("throw")");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 500);
  auto j = json::parse(r->body);
  EXPECT_EQ(j["code"], "INTERNAL");
  EXPECT_NE(j["message"].get<std::string>().find("kaboom"), std::string::npos);
  auto next = Post("/test.v1.Echo/Say", R"("still here")");
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->status, 200);
  EXPECT_EQ(json::parse(next->body), "still here");
}

TEST_F(HttpTransportTest, HandlerStatusMapsToHttp) {
  auto r = Post("/test.v1.Echo/Say", R"("denied")", {{"x-request-id", "rid-7"}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 403);
  auto j = json::parse(r->body);
  EXPECT_EQ(j["code"], "PERMISSION_DENIED");
  EXPECT_EQ(j["message"], "not you");
  EXPECT_EQ(j["request_id"], "rid-7");
  EXPECT_EQ(r->Header("x-request-id"), "rid-7");
}

TEST_F(HttpTransportTest, RequestIdIsGeneratedAndEchoed) {
  auto r = Post("/test.v1.Echo/Say", R"("meta:x-request-id")");
  ASSERT_TRUE(r.ok()) << r.status();
  std::string id = r->Header("x-request-id");
  EXPECT_EQ(id.size(), 16u);
  EXPECT_EQ(json::parse(r->body), id);  // the handler saw the same id in its metadata
}

TEST_F(HttpTransportTest, HeadersBecomeMetadataTraceAndDeadline) {
  auto meta = Post("/test.v1.Echo/Say", R"("meta:x-user")", {{"X-User", "alice"}});
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(json::parse(meta->body), "alice");
  auto hop = Post("/test.v1.Echo/Say", R"("meta:content-type")");
  EXPECT_EQ(json::parse(hop->body), "<none>");

  std::string tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  auto trace = Post("/test.v1.Echo/Say", R"("trace")", {{"traceparent", tp}});
  EXPECT_EQ(json::parse(trace->body), tp);

  auto none = Post("/test.v1.Echo/Say", R"("deadline")");
  EXPECT_EQ(json::parse(none->body), "none");
  auto grpc = Post("/test.v1.Echo/Say", R"("deadline")", {{"grpc-timeout", "5S"}});
  EXPECT_EQ(json::parse(grpc->body), "has deadline");
  auto ms = Post("/test.v1.Echo/Say", R"("deadline")", {{"x-micro-timeout-ms", "5000"}});
  EXPECT_EQ(json::parse(ms->body), "has deadline");

  auto peer = Post("/test.v1.Echo/Say", R"("peer")");
  EXPECT_EQ(json::parse(peer->body).get<std::string>().rfind("127.0.0.1:", 0), 0u);
}

TEST_F(HttpTransportTest, ExpiredDeadlineIs504) {
  auto r = Post("/test.v1.Echo/Say", R"("x")", {{"grpc-timeout", "0n"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 504);
  EXPECT_EQ(json::parse(r->body)["code"], "DEADLINE_EXCEEDED");
}

TEST_F(HttpTransportTest, NonBlockingMethodRunsInline) {
  auto r = Post("/test.v1.Echo/Fast", R"("quick")");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(json::parse(r->body), "quick");
}

TEST_F(HttpTransportTest, ServerStreamIsNdjson) {
  auto r = Post("/test.v1.Echo/Count", R"("3")");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("content-type"), "application/x-ndjson");
  EXPECT_EQ(r->body, "\"1\"\n\"2\"\n\"3\"\n");
}

TEST_F(HttpTransportTest, StreamFailingMidwayEndsWithAnErrorLine) {
  auto r = Post("/test.v1.Echo/Count", R"("fail")");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body,
            "\"1\"\n\"2\"\n{\"error\":{\"code\":\"INTERNAL\",\"message\":\"stopped midway\"}}\n");
}

TEST_F(HttpTransportTest, StreamFailingBeforeWritingIsAPlainError) {
  auto r = Post("/test.v1.Echo/Count", R"("early")");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(json::parse(r->body)["code"], "FAILED_PRECONDITION");
}

TEST_F(HttpTransportTest, ClientStreamingIs501) {
  auto r = Post("/test.v1.Echo/Upload", R"("x")");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 501);
  auto j = json::parse(r->body);
  EXPECT_EQ(j["code"], "UNIMPLEMENTED");
  EXPECT_EQ(j["message"], "client-streaming methods are served over gRPC only");
}

TEST_F(HttpTransportTest, HealthEndpoints) {
  auto live = client_.Get(addr_, "/health/live", 5s);
  ASSERT_TRUE(live.ok());
  EXPECT_EQ(live->status, 200);
  EXPECT_EQ(json::parse(live->body)["status"], "live");

  auto not_ready = client_.Get(addr_, "/health/ready", 5s);
  ASSERT_TRUE(not_ready.ok());
  EXPECT_EQ(not_ready->status, 503);
  auto j = json::parse(not_ready->body);
  EXPECT_EQ(j["status"], "not ready");
  EXPECT_EQ(j["reason"], health_.reason());

  health_.SetRegistered(true);
  auto ready = client_.Get(addr_, "/health/ready", 5s);
  ASSERT_TRUE(ready.ok());
  EXPECT_EQ(ready->status, 200);
  EXPECT_EQ(json::parse(ready->body)["status"], "ready");
}

TEST_F(HttpTransportTest, ExtraRoutesAreServed) {
  auto r = client_.Get(addr_, "/extra", 5s);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "extra route");
}

TEST_F(HttpTransportTest, ShutdownIsRefusedAfterwards) {
  transport_->Shutdown(std::chrono::steady_clock::now() + 1s);
  auto r = Post("/test.v1.Echo/Say", R"("x")");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(server_.inflight(), 0u);
}

// curl, a client we did not write, sees the same answers.
std::string Curl(const std::string& args, int* exit_code) {
  std::string cmd = "curl -s -S --max-time 10 " + args + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  *exit_code = ::pclose(p);
  return out;
}

TEST_F(HttpTransportTest, CurlGetsTheSameAnswers) {
  int rc = 0;
  std::string base = "http://" + addr_;
  std::string out = Curl("-H 'content-type: application/json' -d '{\"type_url\":\"c\"}' " + base +
                             "/test.v1.Echo/Describe",
                         &rc);
  ASSERT_EQ(rc, 0) << out;
  auto j = json::parse(out);
  EXPECT_EQ(j["typeUrl"], "c");
  EXPECT_EQ(j["number"], 1);

  out = Curl("-o /dev/null -w '%{http_code}' -d '{' " + base + "/test.v1.Echo/Describe", &rc);
  EXPECT_EQ(out, "400");

  // curl waits for our "100 Continue" before sending the body.
  std::string name(2000, 'n');
  out = Curl("-H 'Expect: 100-continue' -H 'content-type: application/json' -d '{\"name\":\"" +
                 name + "\"}' " + base + "/Echo/Describe",
             &rc);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(json::parse(out)["name"], name);

  out = Curl("-N -d '\"2\"' " + base + "/test.v1.Echo/Count", &rc);
  EXPECT_EQ(out, "\"1\"\n\"2\"\n");
}

}  // namespace
}  // namespace micro::transport

// The platform's OTLP/HTTP JSON receiver and trace API as an OpenTelemetry exporter and a
// user's HTTP client see them: realistic exports are stored, bad ones get JSON errors, the
// registry's token guards exports, and search, get, services and dependencies answer.
#include <zlib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <micro/http/http.h>

#include "platform/platform_server.h"
#include "support/json_error.h"
#include "support/process.h"

namespace micro::platform {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

uint64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr char kTrace[] = "5b8efff798038103d269b633813fc60c";

// What an OpenTelemetry SDK sends for one request through frontend -> checkout: two
// resourceSpans, intValue as a string (int64 in protobuf JSON), nested values, an event.
std::string RealisticExport(uint64_t t0) {
  auto ns = [&](uint64_t ms) { return std::to_string(t0 + ms * 1000000); };
  json frontend_spans = json::array({
      {{"traceId", kTrace},
       {"spanId", "eee19b7ec3c1b174"},
       {"parentSpanId", ""},
       {"name", "GET /checkout"},
       {"kind", 2},
       {"startTimeUnixNano", ns(0)},
       {"endTimeUnixNano", ns(120)},
       {"attributes",
        {{{"key", "http.method"}, {"value", {{"stringValue", "GET"}}}},
         {{"key", "http.status_code"}, {"value", {{"intValue", "500"}}}},
         {{"key", "sampled"}, {"value", {{"boolValue", true}}}},
         {{"key", "ratio"}, {"value", {{"doubleValue", 0.25}}}},
         {{"key", "tags"},
          {"value", {{"arrayValue", {{"values", {{{"stringValue", "a"}}, {{"intValue", 7}}}}}}}}},
         {{"key", "nested"},
          {"value",
           {{"kvlistValue", {{"values", {{{"key", "k"}, {"value", {{"stringValue", "v"}}}}}}}}}}}}},
       {"events",
        {{{"timeUnixNano", ns(5)},
          {"name", "cache miss"},
          {"attributes", {{{"key", "key"}, {"value", {{"stringValue", "cart:42"}}}}}}}}},
       {"status", {{"code", 2}, {"message", "upstream failed"}}}},
      {{"traceId", kTrace},
       {"spanId", "eee19b7ec3c1b175"},
       {"parentSpanId", "eee19b7ec3c1b174"},
       {"name", "checkout.Checkout/PlaceOrder"},
       {"kind", 3},
       {"startTimeUnixNano", ns(10)},
       {"endTimeUnixNano", ns(110)},
       {"status", {{"code", 2}}}},
  });
  json checkout_spans = json::array({
      {{"traceId", kTrace},
       {"spanId", "aaa19b7ec3c1b176"},
       {"parentSpanId", "eee19b7ec3c1b175"},
       {"name", "checkout.Checkout/PlaceOrder"},
       {"kind", "SPAN_KIND_SERVER"},
       {"startTimeUnixNano", ns(12)},
       {"endTimeUnixNano", ns(100)},
       {"traceState", ""},
       {"droppedAttributesCount", 0},
       {"status", {{"code", "STATUS_CODE_ERROR"}, {"message", "card declined"}}}},
  });
  auto resource = [](const std::string& service) {
    return json{{"attributes",
                 {{{"key", "service.name"}, {"value", {{"stringValue", service}}}},
                  {{"key", "telemetry.sdk.language"}, {"value", {{"stringValue", "cpp"}}}}}}};
  };
  json body = {
      {"resourceSpans",
       {{{"resource", resource("frontend")},
         {"scopeSpans",
          {{{"scope", {{"name", "micro"}, {"version", "0.1.0"}}}, {"spans", frontend_spans}}}},
         {"schemaUrl", "https://opentelemetry.io/schemas/1.21.0"}},
        {{"resource", resource("checkout")},
         {"scopeSpans", {{{"scope", {{"name", "micro"}}}, {"spans", checkout_spans}}}}}}}};
  return body.dump();
}

class TraceApiTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_->Start().ok()); }

  http::ClientResponse Post(const std::string& body, http::Headers headers = {}) {
    if (headers.empty()) headers = {{"content-type", "application/json"}};
    auto r = client_.Do(server_->address(), "POST", "/v1/traces", body, headers, 5s);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : http::ClientResponse{};
  }
  http::ClientResponse Get(const std::string& target) {
    auto r = client_.Get(server_->address(), target, 5s);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : http::ClientResponse{};
  }
  static json Body(const http::ClientResponse& r) {
    return json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  }
  static void ExpectError(const http::ClientResponse& r, int status, const std::string& code,
                          const std::string& what) {
    testing::ExpectJsonError(r, status, code, what);
  }

  std::unique_ptr<PlatformServer> server_ =
      std::make_unique<PlatformServer>(PlatformServerOptions{.host = "127.0.0.1", .port = 0});
  http::HttpClient client_;
  uint64_t t0_ = NowNs() - 1000000000;  // a second ago
};

TEST_F(TraceApiTest, AcceptsARealisticExportAndReturnsTheTrace) {
  auto r = Post(RealisticExport(t0_));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, "{}");
  EXPECT_NE(r.Header("content-type").find("application/json"), std::string::npos);

  json trace = Body(Get(std::string("/v1/traces/") + kTrace));
  ASSERT_EQ(trace["spans"].size(), 3u) << trace.dump();
  const json& root = trace["spans"][0];
  EXPECT_EQ(root["service"], "frontend");
  EXPECT_EQ(root["name"], "GET /checkout");
  EXPECT_EQ(root["parent_span_id"], "");
  EXPECT_EQ(root["kind"], 2);
  EXPECT_EQ(root["kind_name"], "server");
  EXPECT_EQ(root["start_unix_nano"], std::to_string(t0_));
  EXPECT_EQ(root["duration_ns"], 120000000);
  EXPECT_EQ(root["status"]["code"], 2);
  EXPECT_EQ(root["status"]["message"], "upstream failed");
  EXPECT_EQ(root["attributes"]["http.method"], "GET");
  EXPECT_EQ(root["attributes"]["http.status_code"], 500) << "intValue strings are integers";
  EXPECT_EQ(root["attributes"]["sampled"], true);
  EXPECT_EQ(root["attributes"]["ratio"], 0.25);
  EXPECT_EQ(root["attributes"]["tags"], json::array({"a", 7}));
  EXPECT_EQ(root["attributes"]["nested"]["k"], "v");
  EXPECT_EQ(root["events"][0]["name"], "cache miss");
  EXPECT_EQ(root["events"][0]["attributes"]["key"], "cart:42");
  EXPECT_EQ(root["resource"]["telemetry.sdk.language"], "cpp");
  EXPECT_EQ(root["scope"], "micro");
  const json& server = trace["spans"][2];
  EXPECT_EQ(server["service"], "checkout");
  EXPECT_EQ(server["kind"], 2) << "enum names are accepted";
  EXPECT_EQ(server["status"]["code"], 2);
  EXPECT_EQ(server["parent_span_id"], "eee19b7ec3c1b175");

  // Upper-case ids in the path are the same trace.
  std::string upper = kTrace;
  for (char& c : upper) c = static_cast<char>(std::toupper(c));
  EXPECT_EQ(Get("/v1/traces/" + upper).status, 200);
}

TEST_F(TraceApiTest, AnEmptyExportIsFine) {
  EXPECT_EQ(Post("{}").status, 200);
  EXPECT_EQ(Post(R"({"resourceSpans":[]})").status, 200);
  EXPECT_EQ(Post(R"({"resourceSpans":[{"scopeSpans":[{"spans":[]}]}]})").status, 200);
}

TEST_F(TraceApiTest, BadInputIs400WithAJsonMessage) {
  ExpectError(Post("{\"resourceSpans\": "), 400, "INVALID_ARGUMENT", "malformed JSON");
  ExpectError(Post(""), 400, "INVALID_ARGUMENT", "malformed JSON");
  ExpectError(Post("[1,2]"), 400, "INVALID_ARGUMENT", "expected an object");
  ExpectError(Post(R"({"resourceSpans":{}})"), 400, "INVALID_ARGUMENT", "resourceSpans");
  ExpectError(Post(R"({"resourceSpans":[{"scopeSpans":7}]})"), 400, "INVALID_ARGUMENT",
              "resourceSpans[0].scopeSpans");
  ExpectError(Post(R"({"resourceSpans":[{"scopeSpans":[{"spans":"x"}]}]})"), 400,
              "INVALID_ARGUMENT", "resourceSpans[0].scopeSpans[0].spans");
  ExpectError(Post(R"({"resourceSpans":[{"resource":[]}]})"), 400, "INVALID_ARGUMENT", "resource");
  ExpectError(Post("{\"a\":1e400}"), 400, "INVALID_ARGUMENT", "malformed JSON");
  EXPECT_EQ(Body(Get("/v1/traces"))["traces"].size(), 0u) << "nothing was stored";
}

TEST_F(TraceApiTest, InvalidSpansAreRejectedAloneAsPartialSuccess) {
  json body = json::parse(RealisticExport(t0_));
  auto& spans = body["resourceSpans"][0]["scopeSpans"][0]["spans"];
  spans.push_back({{"traceId", "not-hex"},
                   {"spanId", "eee19b7ec3c1b199"},
                   {"name", "x"},
                   {"startTimeUnixNano", "1"}});
  spans.push_back({{"traceId", kTrace}, {"spanId", "eee19b7ec3c1b198"}, {"name", "no time"}});
  auto r = Post(body.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  json answer = Body(r);
  EXPECT_EQ(answer["partialSuccess"]["rejectedSpans"], "2") << r.body;
  EXPECT_NE(answer["partialSuccess"]["errorMessage"].get<std::string>().find("traceId"),
            std::string::npos)
      << r.body;
  EXPECT_EQ(Body(Get(std::string("/v1/traces/") + kTrace))["spans"].size(), 3u);
}

TEST_F(TraceApiTest, ProtobufAndUnknownEncodingsAre415) {
  ExpectError(Post("\x0a\x00", {{"content-type", "application/x-protobuf"}}), 415, "UNIMPLEMENTED",
              "http/json");
  ExpectError(Post("{}", {{"content-type", "application/json"}, {"content-encoding", "br"}}), 415,
              "UNIMPLEMENTED", "br");
}

TEST_F(TraceApiTest, GzipBodiesAreInflated) {
  std::string plain = RealisticExport(t0_);
  z_stream zs{};
  ASSERT_EQ(
      deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
      Z_OK);
  std::string gz(deflateBound(&zs, plain.size()) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(plain.data());
  zs.avail_in = plain.size();
  zs.next_out = reinterpret_cast<Bytef*>(gz.data());
  zs.avail_out = gz.size();
  ASSERT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  gz.resize(zs.total_out);
  deflateEnd(&zs);

  auto r = Post(gz, {{"content-type", "application/json"}, {"content-encoding", "gzip"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Get(std::string("/v1/traces/") + kTrace).status, 200);
  ExpectError(
      Post("not gzip", {{"content-type", "application/json"}, {"content-encoding", "gzip"}}), 400,
      "INVALID_ARGUMENT", "gzip");
}

TEST_F(TraceApiTest, ExportsPassTheRegistrysAuthorizeHook) {
  server_.reset();
  PlatformServerOptions options{.host = "127.0.0.1", .port = 0};
  options.registry.authorize = [](const http::Request& req) {
    return req.Header("authorization") == "Bearer s3cret"
               ? Status()
               : Status::Unauthenticated("missing or wrong token");
  };
  server_ = std::make_unique<PlatformServer>(options);
  ASSERT_TRUE(server_->Start().ok());
  ExpectError(Post(RealisticExport(t0_)), 401, "UNAUTHENTICATED", "token");
  auto r = Post(RealisticExport(t0_),
                {{"content-type", "application/json"}, {"authorization", "Bearer s3cret"}});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Get(std::string("/v1/traces/") + kTrace).status, 200) << "reads need no token";
}

TEST_F(TraceApiTest, SearchServicesAndDependencies) {
  ASSERT_EQ(Post(RealisticExport(t0_)).status, 200);

  json found = Body(Get("/v1/traces?service=checkout&error=true&min_duration=50ms&lookback=1h"));
  ASSERT_EQ(found["traces"].size(), 1u) << found.dump();
  const json& t = found["traces"][0];
  EXPECT_EQ(t["trace_id"], kTrace);
  EXPECT_EQ(t["root_service"], "frontend");
  EXPECT_EQ(t["root_name"], "GET /checkout");
  EXPECT_EQ(t["span_count"], 3);
  EXPECT_EQ(t["error_count"], 3);
  EXPECT_EQ(t["duration_ns"], 120000000);
  EXPECT_EQ(t["services"], json::array({"checkout", "frontend"}));

  EXPECT_EQ(Body(Get("/v1/traces?min_duration=1s"))["traces"].size(), 0u);
  EXPECT_EQ(Body(Get("/v1/traces?operation=GET%20%2Fcheckout"))["traces"].size(), 1u);
  EXPECT_EQ(Body(Get("/v1/traces?start=" + std::to_string(t0_ + 500000000)))["traces"].size(), 0u);
  ExpectError(Get("/v1/traces?limit=0"), 400, "INVALID_ARGUMENT", "limit");
  ExpectError(Get("/v1/traces?min_duration=soon"), 400, "INVALID_ARGUMENT", "min_duration");
  ExpectError(Get("/v1/traces?error=maybe"), 400, "INVALID_ARGUMENT", "error");
  ExpectError(Get("/v1/traces?start=yesterday"), 400, "INVALID_ARGUMENT", "start");

  json services = Body(Get("/v1/traces/services"));
  ASSERT_EQ(services["services"].size(), 2u) << services.dump();
  EXPECT_EQ(services["services"][0]["name"], "checkout");
  EXPECT_EQ(services["services"][1]["operations"],
            json::array({"GET /checkout", "checkout.Checkout/PlaceOrder"}));

  json graph = Body(Get("/v1/traces/dependencies"));
  ASSERT_EQ(graph["edges"].size(), 1u) << graph.dump();
  EXPECT_EQ(graph["edges"][0]["caller"], "frontend");
  EXPECT_EQ(graph["edges"][0]["callee"], "checkout");
  EXPECT_EQ(graph["edges"][0]["calls"], 1);
  EXPECT_EQ(graph["edges"][0]["errors"], 1);
  EXPECT_EQ(graph["edges"][0]["error_rate"], 1.0);
  EXPECT_EQ(graph["edges"][0]["p99_ns"], 100000000) << "the client span's 100 ms";
}

TEST_F(TraceApiTest, UnknownAndMalformedTraceIds) {
  ExpectError(Get("/v1/traces/0123456789abcdef0123456789abcdef"), 404, "NOT_FOUND",
              "0123456789abcdef0123456789abcdef");
  ExpectError(Get("/v1/traces/xyz"), 400, "INVALID_ARGUMENT", "32 hex digits");
  ExpectError(Get(std::string("/v1/traces/") + kTrace + "/extra"), 404, "NOT_FOUND", "extra");
}

TEST(TraceApiPersistence, TracesSurviveAPlatformRestartWithADataDir) {
  std::string dir = micro::testing::TempDir();
  PlatformServerOptions options{.host = "127.0.0.1", .port = 0};
  options.data_dir = dir;
  http::HttpClient client;
  uint64_t t0 = NowNs();
  {
    PlatformServer server(options);
    ASSERT_TRUE(server.Start().ok());
    auto r = client.Post(server.address(), "/v1/traces", RealisticExport(t0), 5s);
    ASSERT_TRUE(r.ok() && r->status == 200);
  }
  PlatformServer server(options);
  ASSERT_TRUE(server.Start().ok());
  auto r = client.Get(server.address(), std::string("/v1/traces/") + kTrace, 5s);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(json::parse(r->body)["spans"].size(), 3u);
  server.Shutdown();

  PlatformServerOptions broken = options;
  broken.data_dir = dir + "/missing/dir";
  PlatformServer bad(broken);
  Status s = bad.Start();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s;
  std::filesystem::remove_all(dir);
}

TEST(TraceApiConcurrency, ExportsAndReadsFromSeveralThreads) {
  std::string dir = micro::testing::TempDir();
  PlatformServerOptions options{.host = "127.0.0.1", .port = 0, .worker_threads = 3};
  options.data_dir = dir;
  options.trace_memory.max_traces = 20;  // memory evicts while SQLite keeps everything
  PlatformServer server(options);
  ASSERT_TRUE(server.Start().ok());
  http::HttpClient client;
  constexpr int kPerThread = 30;
  auto exporter = [&](int thread) {
    for (int i = 0; i < kPerThread; ++i) {
      json body = json::parse(RealisticExport(NowNs()));
      char id[33];
      std::snprintf(id, sizeof(id), "%016x%016x", thread + 1, i + 1);
      for (auto& rs : body["resourceSpans"]) {
        for (auto& span : rs["scopeSpans"][0]["spans"]) span["traceId"] = id;
      }
      auto r = client.Post(server.address(), "/v1/traces", body.dump(), 5s);
      EXPECT_TRUE(r.ok() && r->status == 200) << (r.ok() ? r->body : r.status().ToString());
    }
  };
  std::atomic<bool> done{false};
  std::thread reader([&] {
    while (!done.load()) {
      auto r = client.Get(server.address(), "/v1/traces?service=checkout&limit=5", 5s);
      EXPECT_TRUE(r.ok() && r->status == 200);
      (void)client.Get(server.address(), "/v1/traces/dependencies", 5s);
    }
  });
  std::thread a(exporter, 0), b(exporter, 1);
  a.join();
  b.join();
  done = true;
  reader.join();
  auto stats = server.trace_store().Stats();
  EXPECT_EQ(stats.traces, 2u * kPerThread);
  EXPECT_EQ(stats.spans, 3u * 2 * kPerThread);
  auto first = client.Get(server.address(), "/v1/traces/00000000000000010000000000000001", 5s);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->status, 200) << "evicted from memory, read from SQLite";
  server.Shutdown();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace micro::platform

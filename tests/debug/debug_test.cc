// A running micro::Service answers GET /debug/{vars,config,rpcz,status} with JSON that
// shows the calls just made, the metrics, where each config key came from (secrets
// redacted) and the process state; the token guards them; they are off when disabled and,
// by default, when HTTP listens outside loopback.
#include <micro/service.h>

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include <nlohmann/json.hpp>

#include <micro/http/http.h>

#include "echo.pb.h"
#include "support/echo_methods.h"
#include "support/wait.h"

namespace micro {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr char kToken[] = "s3cret-debug-token";

std::unique_ptr<Service> MakeService(std::vector<std::string> flags) {
  ServiceOptions defaults{.name = "dbg"};
  defaults.handle_signals = false;
  defaults.drain_grace = 0ms;
  std::vector<std::string> args = {
      "debug_test",
      "--registry=memory:///dbg-" + std::to_string(reinterpret_cast<uintptr_t>(&flags))};
  args.insert(args.end(), flags.begin(), flags.end());
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  auto opts = ServiceOptions::FromArgs(static_cast<int>(argv.size()), argv.data(), defaults);
  EXPECT_TRUE(opts.ok()) << opts.status();
  if (!opts.ok()) return nullptr;
  auto service = std::make_unique<Service>(*opts);
  EXPECT_TRUE(testing::AddEchoMethods(service->server()).ok());
  Status s = service->Start();
  EXPECT_TRUE(s.ok()) << s;
  // Registered and serving before the test calls it (registration is asynchronous).
  EXPECT_TRUE(testing::WaitFor([&] { return service->health().ready(); }))
      << service->health().reason();
  return s.ok() ? std::move(service) : nullptr;
}

http::ClientResponse Get(Service& service, const std::string& path, const std::string& token) {
  http::HttpClient client;
  http::Headers headers;
  if (!token.empty()) headers.emplace_back("authorization", "Bearer " + token);
  auto r =
      client.Do("127.0.0.1:" + std::to_string(service.port("http")), "GET", path, "", headers, 5s);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : http::ClientResponse{};
}

json GetJson(Service& service, const std::string& path) {
  http::ClientResponse r = Get(service, path, kToken);
  EXPECT_EQ(r.status, 200) << path << ": " << r.body;
  EXPECT_EQ(r.body.find(kToken), std::string::npos) << path << " shows the token";
  json j = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(j.is_discarded()) << path << " is not JSON: " << r.body;
  return j;
}

void Call(Service& service, StatusCode fail_code = StatusCode::kOk) {
  micro::test::EchoRequest req;
  req.set_message("hi");
  req.set_fail_code(static_cast<int>(fail_code));
  micro::test::EchoResponse resp;
  Context ctx = Context::WithTimeout(5s);
  Status s = service.Client().Call(ctx, "dbg", testing::kEchoUnary, req, &resp);
  EXPECT_EQ(s.code(), fail_code) << s;
}

// The first gRPC connection can time out on a loaded machine (sanitizer builds): call until
// one call gets through, so that the counted calls below all do.
void WarmUp(Service& service) {
  micro::test::EchoRequest req;
  micro::test::EchoResponse resp;
  EXPECT_TRUE(testing::WaitFor([&] {
    Context ctx = Context::WithTimeout(5s);
    return service.Client().Call(ctx, "dbg", testing::kEchoUnary, req, &resp).ok();
  }));
}

TEST(DebugPages, EachPageIsJsonWithWhatAUserLooksFor) {
  auto service = MakeService({"--version=1.2.3", std::string("--debug.token=") + kToken,
                              "--db.url=enc(AAAABBBB)", "--db.password=hunter2"});
  ASSERT_TRUE(service);
  WarmUp(*service);
  for (int i = 0; i < 5; ++i) Call(*service);
  {  // one over the HTTP/JSON transport
    http::HttpClient client;
    auto r = client.Post("127.0.0.1:" + std::to_string(service->port("http")), testing::kEchoUnary,
                         R"({"message":"over http"})", 5s);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->status, 200) << r->body;
  }
  Call(*service, StatusCode::kInvalidArgument);

  json rpcz = GetJson(*service, "/debug/rpcz");
  ASSERT_TRUE(rpcz["calls"].is_array()) << rpcz;
  int ok = 0, invalid = 0, over_http = 0;
  for (const json& c : rpcz["calls"]) {
    if (c["method"] != testing::kEchoUnary) continue;
    if (c["transport"] == "http") {
      ++over_http;
      continue;
    }
    EXPECT_EQ(c["transport"], "grpc");
    EXPECT_GE(c["duration_us"].get<double>(), 0);
    EXPECT_FALSE(c["start"].get<std::string>().empty());
    EXPECT_FALSE(c["peer"].get<std::string>().empty());
    // Tracing is on by default: each call is one trace.
    EXPECT_EQ(c.value("trace_id", "").size(), 32u) << c;
    if (c["code"] == "OK") ++ok;
    if (c["code"] == "INVALID_ARGUMENT") ++invalid;
  }
  EXPECT_GE(ok, 5 + 1) << rpcz.dump(2);  // + the warm-up
  EXPECT_EQ(invalid, 1) << rpcz.dump(2);
  EXPECT_EQ(over_http, 1) << rpcz.dump(2);
  EXPECT_EQ(rpcz["calls"][0]["code"], "INVALID_ARGUMENT") << "newest first";
  EXPECT_EQ(rpcz["capacity"], 256);

  json vars = GetJson(*service, "/debug/vars");
  ASSERT_TRUE(vars.contains("micro_server_requests_total")) << vars.dump().substr(0, 2000);
  const json& requests = vars["micro_server_requests_total"];
  EXPECT_EQ(requests["type"], "counter");
  bool counted = false;
  for (const json& s : requests["samples"]) {
    if (s["labels"]["method"] == "Unary" && s["labels"]["code"] == "OK") {
      counted = s["value"].get<double>() >= 5;
    }
  }
  EXPECT_TRUE(counted) << requests.dump(2);

  json config = GetJson(*service, "/debug/config");
  const json& keys = config["keys"];
  ASSERT_TRUE(keys.contains("version")) << config.dump(2);
  EXPECT_EQ(keys["version"]["value"], "1.2.3");
  EXPECT_EQ(keys["version"]["layer"], "flags");
  EXPECT_EQ(keys["version"]["source"], "flag:--version");
  EXPECT_EQ(keys["name"]["layer"], "defaults");
  EXPECT_EQ(keys["debug.token"]["value"], "[REDACTED]");
  EXPECT_EQ(keys["debug.token"]["layer"], "flags");
  EXPECT_EQ(keys["db.url"]["value"], "[REDACTED]");
  EXPECT_EQ(keys["db.url"]["redacted"], true);
  EXPECT_FALSE(keys["version"].contains("redacted"));
  EXPECT_EQ(keys["db.password"]["value"], "[REDACTED]");
  EXPECT_EQ(config.dump().find("hunter2"), std::string::npos);
  EXPECT_EQ(config.dump().find("AAAABBBB"), std::string::npos);

  json status = GetJson(*service, "/debug/status");
  EXPECT_EQ(status["service"], "dbg");
  EXPECT_EQ(status["version"], "1.2.3");
  EXPECT_GE(status["uptime_seconds"].get<double>(), 0);
  EXPECT_GT(status["workers"]["threads"].get<int>(), 0);
  EXPECT_GE(status["workers"]["queue_depth"].get<int>(), 0);
  EXPECT_TRUE(status["registry"]["url"].get<std::string>().starts_with("memory://"));
  EXPECT_TRUE(status["registry"].contains("ready"));
  EXPECT_GE(status["calls_handled"].get<int>(), 8);
  service->Shutdown();
}

TEST(DebugPages, TokenIsRequiredWhenSet) {
  auto service = MakeService({std::string("--debug.token=") + kToken});
  ASSERT_TRUE(service);
  for (const char* path : {"/debug/vars", "/debug/config", "/debug/rpcz", "/debug/status"}) {
    for (const std::string& token : {std::string(), std::string("wrong")}) {
      http::ClientResponse r = Get(*service, path, token);
      EXPECT_EQ(r.status, 401) << path << " with '" << token << "'";
      json body = json::parse(r.body, nullptr, false);
      ASSERT_FALSE(body.is_discarded()) << r.body;
      EXPECT_EQ(body["code"], "UNAUTHENTICATED") << r.body;
    }
    EXPECT_EQ(Get(*service, path, kToken).status, 200) << path;
  }
}

TEST(DebugPages, NoTokenNeededWhenUnset) {
  auto service = MakeService({});
  ASSERT_TRUE(service);
  EXPECT_EQ(Get(*service, "/debug/status", "").status, 200);
}

TEST(DebugPages, RpczKeepsTheLastN) {
  auto service = MakeService({"--debug.rpcz_size=4"});
  ASSERT_TRUE(service);
  WarmUp(*service);
  for (int i = 0; i < 10; ++i) Call(*service);
  json rpcz = json::parse(Get(*service, "/debug/rpcz", "").body);
  EXPECT_EQ(rpcz["calls"].size(), 4u) << rpcz.dump(2);
  EXPECT_GE(rpcz["total"].get<int>(), 10);
}

TEST(DebugPages, OffWhenDisabled) {
  auto service = MakeService({"--debug.enabled=false"});
  ASSERT_TRUE(service);
  EXPECT_EQ(Get(*service, "/debug/vars", "").status, 404);
  EXPECT_EQ(Get(*service, "/debug/status", "").status, 404);
}

TEST(DebugPages, OffByDefaultOutsideLoopbackUnlessEnabled) {
  {
    auto service = MakeService({"--http=http://0.0.0.0:0"});
    ASSERT_TRUE(service);
    EXPECT_EQ(Get(*service, "/debug/status", "").status, 404);
  }
  auto service = MakeService({"--http=http://0.0.0.0:0", "--debug.enabled=true"});
  ASSERT_TRUE(service);
  EXPECT_EQ(Get(*service, "/debug/status", "").status, 200);
}

// Writers wrapping a small ring while a reader snapshots it: every record read is whole
// (TSan checks the slots), and the ring never holds more than its capacity.
TEST(Rpcz, ConcurrentCallsAndReads) {
  server::Method method{.service = "t.S", .name = "M"};
  method.unary = [](Context&, const google::protobuf::Message&, google::protobuf::Message*) {
    return Status::NotFound("x");
  };
  auto rpcz = std::make_shared<debug::Rpcz>(8);
  server::Chain chain;
  chain.Add(rpcz);
  micro::test::EchoRequest req;
  micro::test::EchoResponse resp;
  constexpr int kThreads = 4, kCalls = 500;
  std::atomic<bool> done{false};
  std::thread reader([&] {
    while (!done.load()) {
      auto calls = rpcz->Snapshot();
      EXPECT_LE(calls.size(), 8u);
      for (size_t i = 0; i < calls.size(); ++i) {
        EXPECT_EQ(calls[i].method, "/t.S/M");
        EXPECT_EQ(calls[i].code, StatusCode::kNotFound);
        EXPECT_EQ(calls[i].transport, "grpc");
      }
    }
  });
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&] {
      for (int i = 0; i < kCalls; ++i) {
        Context ctx;
        ctx.set_peer("127.0.0.1:1");
        server::CallInfo call{
            .method = method, .transport = "grpc", .request = &req, .response = &resp};
        EXPECT_EQ(chain.Run(ctx, call).code(), StatusCode::kNotFound);
      }
    });
  }
  for (auto& w : writers) w.join();
  done = true;
  reader.join();
  EXPECT_EQ(rpcz->total(), uint64_t{kThreads * kCalls});
  auto calls = rpcz->Snapshot();
  EXPECT_EQ(calls.size(), 8u);
  EXPECT_EQ(calls.front().peer, "127.0.0.1:1");
}

TEST(DebugPages, LoopbackHosts) {
  EXPECT_TRUE(debug::IsLoopbackHost("127.0.0.1"));
  EXPECT_TRUE(debug::IsLoopbackHost("127.1.2.3"));
  EXPECT_TRUE(debug::IsLoopbackHost("::1"));
  EXPECT_TRUE(debug::IsLoopbackHost("[::1]"));
  EXPECT_TRUE(debug::IsLoopbackHost("localhost"));
  EXPECT_FALSE(debug::IsLoopbackHost("0.0.0.0"));
  EXPECT_FALSE(debug::IsLoopbackHost("::"));
  EXPECT_FALSE(debug::IsLoopbackHost("10.0.0.1"));
  EXPECT_FALSE(debug::IsLoopbackHost("example.com"));
}

}  // namespace
}  // namespace micro

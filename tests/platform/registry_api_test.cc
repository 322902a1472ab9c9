// The platform's registry HTTP API as any HTTP client sees it: bad input gets JSON errors
// naming the problem, long-polls answer as soon as something changes, and a platform://
// watcher rides out a platform restart.
#include <atomic>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <micro/http/http.h>
#include <micro/registry/registry.h>

#include "platform/platform_server.h"
#include "support/json_error.h"
#include "support/registry_testing.h"
#include "support/wait.h"

namespace micro::platform {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr char kNode[] = R"({"id":"g1","host":"127.0.0.1","ports":{"grpc":50051}})";

class RegistryApiTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.Start().ok()); }

  http::ClientResponse Post(const std::string& path, const std::string& body) {
    auto r = client_.Post(server_.address(), path, body, 5s);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : http::ClientResponse{};
  }
  http::ClientResponse Get(const std::string& target, std::chrono::milliseconds timeout = 5s) {
    auto r = client_.Get(server_.address(), target, timeout);
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
  std::string Register(const std::string& service, const std::string& node, int ttl_ms = 10000) {
    return R"({"service":{"name":")" + service + R"("},"node":)" + node + R"(,"ttl_ms":)" +
           std::to_string(ttl_ms) + "}";
  }

  PlatformServer server_{{.host = "127.0.0.1", .port = 0, .sweep_interval = 20ms}};
  http::HttpClient client_;
};

TEST_F(RegistryApiTest, MalformedJsonIs400WithAMessage) {
  ExpectError(Post("/v1/registry/register", "{\"service\": "), 400, "INVALID_ARGUMENT",
              "malformed JSON");
  ExpectError(Post("/v1/registry/heartbeat", "[1,2]"), 400, "INVALID_ARGUMENT", "object");
  ExpectError(Post("/v1/registry/deregister", ""), 400, "INVALID_ARGUMENT", "malformed JSON");
}

TEST_F(RegistryApiTest, MissingOrMistypedFieldsAre400NamingTheField) {
  ExpectError(Post("/v1/registry/register", R"({"node":)" + std::string(kNode) + "}"), 400,
              "INVALID_ARGUMENT", "'service'");
  ExpectError(Post("/v1/registry/register", R"({"service":{},"node":)" + std::string(kNode) + "}"),
              400, "INVALID_ARGUMENT", "'service.name'");
  ExpectError(Post("/v1/registry/register", R"({"service":{"name":"s"}})"), 400, "INVALID_ARGUMENT",
              "'node'");
  ExpectError(Post("/v1/registry/register", Register("s", R"({"host":"h","ports":{"grpc":1}})")),
              400, "INVALID_ARGUMENT", "'node.id'");
  ExpectError(Post("/v1/registry/register", Register("s", R"({"id":"a","ports":{"grpc":1}})")), 400,
              "INVALID_ARGUMENT", "'node.host'");
  ExpectError(Post("/v1/registry/register", Register("s", R"({"id":"a","host":"h"})")), 400,
              "INVALID_ARGUMENT", "'node.ports'");
  ExpectError(
      Post("/v1/registry/register", Register("s", R"({"id":"a","host":"h","ports":{"grpc":"x"}})")),
      400, "INVALID_ARGUMENT", "'node.ports.grpc'");
  ExpectError(Post("/v1/registry/register",
                   Register("s", R"({"id":"a","host":"h","ports":{"grpc":70000}})")),
              400, "INVALID_ARGUMENT", "1..65535");
  ExpectError(
      Post("/v1/registry/register", Register("s", R"({"id":7,"host":"h","ports":{"grpc":1}})")),
      400, "INVALID_ARGUMENT", "'node.id' must be a string");
  ExpectError(Post("/v1/registry/register",
                   R"({"service":{"name":"s"},"node":)" + std::string(kNode) + R"(,"ttl_ms":-5})"),
              400, "INVALID_ARGUMENT", "ttl_ms");
  ExpectError(
      Post("/v1/registry/register", Register("s", R"({"id":"","host":"h","ports":{"grpc":1}})")),
      400, "INVALID_ARGUMENT", "node id");
  ExpectError(Post("/v1/registry/heartbeat", R"({"service":"s"})"), 400, "INVALID_ARGUMENT",
              "'node_id'");
  ExpectError(Get("/v1/registry/watch?since=abc"), 400, "INVALID_ARGUMENT", "since");
  EXPECT_EQ(Get("/v1/registry/services").body, R"({"services":[]})") << "nothing was stored";
}

TEST_F(RegistryApiTest, UnknownPathsAre404AndWrongMethods405) {
  ExpectError(Get("/v1/registry/nothing-here"), 404, "NOT_FOUND", "/v1/registry/nothing-here");
  ExpectError(Post("/v1/registry/services/greeter", "{}"), 405, "UNIMPLEMENTED", "POST");
  ExpectError(Get("/v1/registry/services/greeter/extra"), 404, "NOT_FOUND", "extra");
}

TEST_F(RegistryApiTest, RegisterGetListHeartbeatDeregister) {
  auto r = Post("/v1/registry/register", Register("greeter", kNode));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, "{}");

  json one = Body(Get("/v1/registry/services/greeter"));
  EXPECT_EQ(one["name"], "greeter");
  ASSERT_EQ(one["nodes"].size(), 1u);
  EXPECT_EQ(one["nodes"][0]["host"], "127.0.0.1");
  EXPECT_EQ(one["nodes"][0]["ports"]["grpc"], 50051);

  json all = Body(Get("/v1/registry/services"));
  ASSERT_EQ(all["services"].size(), 1u);
  EXPECT_EQ(all["services"][0]["name"], "greeter");

  EXPECT_EQ(Post("/v1/registry/heartbeat", R"({"service":"greeter","node_id":"g1"})").status, 200);
  ExpectError(Post("/v1/registry/heartbeat", R"({"service":"greeter","node_id":"nope"})"), 404,
              "NOT_FOUND", "nope");
  EXPECT_EQ(Post("/v1/registry/deregister", R"({"service":"greeter","node_id":"g1"})").status, 200);
  ExpectError(Get("/v1/registry/services/greeter"), 404, "NOT_FOUND", "greeter");
}

TEST_F(RegistryApiTest, WatchLongPollAnswersWhenANodeRegisters) {
  json base = Body(Get("/v1/registry/watch?service=greeter"));
  ASSERT_TRUE(base.value("reset", false)) << "a poll without `since` gets a snapshot";
  std::string since = std::to_string(base["revision"].get<uint64_t>());
  std::string epoch = base["epoch"];

  std::atomic<bool> done{false};
  http::ClientResponse polled;
  std::chrono::steady_clock::time_point answered;
  std::thread poller([&] {
    polled = Get(
        "/v1/registry/watch?service=greeter&timeout_ms=20000&since=" + since + "&epoch=" + epoch,
        30s);
    answered = std::chrono::steady_clock::now();
    done = true;
  });
  ASSERT_TRUE(
      micro::testing::WaitFor([&] { return server_.registry_api().hub().parked() == 1; }, 5s));
  EXPECT_FALSE(done.load());
  auto registered = std::chrono::steady_clock::now();
  ASSERT_EQ(Post("/v1/registry/register", Register("greeter", kNode)).status, 200);
  ASSERT_TRUE(micro::testing::WaitFor([&] { return done.load(); }, 5s));
  poller.join();
  EXPECT_LT(answered - registered, 1s);

  ASSERT_EQ(polled.status, 200) << polled.body;
  json body = Body(polled);
  EXPECT_EQ(body["epoch"], epoch);
  ASSERT_EQ(body["events"].size(), 1u) << polled.body;
  EXPECT_EQ(body["events"][0]["type"], "add");
  EXPECT_EQ(body["events"][0]["service"], "greeter");
  EXPECT_EQ(body["events"][0]["node"]["id"], "g1");
  EXPECT_EQ(body["revision"], body["events"][0]["revision"]);
}

TEST_F(RegistryApiTest, WatchAnswersEmptyWhenItsHoldEnds) {
  json base = Body(Get("/v1/registry/watch"));
  auto start = std::chrono::steady_clock::now();
  auto r = Get("/v1/registry/watch?timeout_ms=200&since=" +
               std::to_string(base["revision"].get<uint64_t>()) +
               "&epoch=" + base["epoch"].get<std::string>());
  EXPECT_GE(std::chrono::steady_clock::now() - start, 190ms);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r)["events"], json::array());
}

TEST_F(RegistryApiTest, WatchFromAnotherEpochOrTooFarBackGetsASnapshot) {
  ASSERT_EQ(Post("/v1/registry/register", Register("greeter", kNode)).status, 200);
  json other = Body(Get("/v1/registry/watch?since=1&epoch=someone-elses&timeout_ms=0"));
  EXPECT_TRUE(other.value("reset", false)) << other.dump();
  ASSERT_EQ(other["services"].size(), 1u);
  EXPECT_EQ(other["services"][0]["nodes"][0]["id"], "g1");
}

TEST_F(RegistryApiTest, ExpiryReachesAHeldWatch) {
  json base = Body(Get("/v1/registry/watch?service=greeter"));
  ASSERT_EQ(Post("/v1/registry/register", Register("greeter", kNode, 300)).status, 200);
  std::string since = std::to_string(base["revision"].get<uint64_t>() + 1);  // after the add
  auto r = Get("/v1/registry/watch?service=greeter&timeout_ms=5000&since=" + since +
                   "&epoch=" + base["epoch"].get<std::string>(),
               10s);
  json body = Body(r);
  ASSERT_EQ(body["events"].size(), 1u) << r.body;
  EXPECT_EQ(body["events"][0]["type"], "remove");
}

TEST_F(RegistryApiTest, ShutdownAnswersHeldWatchesAtOnce) {
  json base = Body(Get("/v1/registry/watch"));
  std::atomic<bool> done{false};
  http::ClientResponse polled;
  std::thread poller([&] {
    auto r = client_.Get(server_.address(),
                         "/v1/registry/watch?timeout_ms=60000&since=" +
                             std::to_string(base["revision"].get<uint64_t>()) +
                             "&epoch=" + base["epoch"].get<std::string>(),
                         30s);
    if (r.ok()) polled = *r;
    done = true;
  });
  ASSERT_TRUE(
      micro::testing::WaitFor([&] { return server_.registry_api().hub().parked() == 1; }, 5s));
  auto start = std::chrono::steady_clock::now();
  server_.Shutdown(10s);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  ASSERT_TRUE(micro::testing::WaitFor([&] { return done.load(); }, 5s));
  poller.join();
  EXPECT_EQ(polled.status, 503) << polled.body;
}

TEST(RegistryApiAuth, WritesPassTheAuthorizeHook) {
  PlatformServerOptions options{.host = "127.0.0.1", .port = 0};
  options.registry.authorize = [](const http::Request& req) -> Status {
    if (req.Header("authorization") == "Bearer s3cret") return {};
    return Status::Unauthenticated("registry writes need a token");
  };
  PlatformServer server(options);
  ASSERT_TRUE(server.Start().ok());

  auto anonymous = registry::NewRegistry("platform://" + server.address());
  ASSERT_TRUE(anonymous.ok());
  Status denied =
      (*anonymous)->Register({.name = "greeter"}, registry::testing::TestNode("g1"), 10s);
  EXPECT_EQ(denied.code(), StatusCode::kUnauthenticated) << denied;

  auto with_token = registry::NewRegistry("platform://" + server.address() + "?token=s3cret");
  ASSERT_TRUE(with_token.ok());
  EXPECT_TRUE(
      (*with_token)->Register({.name = "greeter"}, registry::testing::TestNode("g1"), 10s).ok());
  EXPECT_TRUE((*anonymous)->Get("greeter").ok()) << "reads need no token";
}

// The platform goes away and a new one (empty, another epoch) comes up on the same port:
// the watcher reports UNAVAILABLE meanwhile, then brings its caller up to date.
TEST(PlatformWatcherRecovery, SurvivesAPlatformRestartOnTheSamePort) {
  auto first = std::make_unique<PlatformServer>(
      PlatformServerOptions{.host = "127.0.0.1", .port = 0, .sweep_interval = 20ms});
  ASSERT_TRUE(first->Start().ok());
  uint16_t port = first->port();
  std::string url = "platform://127.0.0.1:" + std::to_string(port) + "?timeout_ms=1000";
  auto reg = registry::NewRegistry(url);
  ASSERT_TRUE(reg.ok()) << reg.status();
  auto w = (*reg)->Watch("greeter");
  ASSERT_TRUE(w.ok()) << w.status();
  auto& watcher = **w;

  ASSERT_TRUE((*reg)->Register({.name = "greeter"}, registry::testing::TestNode("old"), 30s).ok());
  auto e = registry::testing::NextFor(watcher, "old");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->type, registry::Event::Type::kAdd);

  first->Shutdown();
  first.reset();
  auto down = watcher.Next(5s);
  ASSERT_FALSE(down.ok()) << "event while the platform is down: " << down->node.id;
  EXPECT_EQ(down.status().code(), StatusCode::kUnavailable) << down.status();
  EXPECT_EQ(watcher.Next(100ms).status().code(), StatusCode::kUnavailable);

  PlatformServer second({.host = "127.0.0.1", .port = port, .sweep_interval = 20ms});
  Status started = second.Start();
  ASSERT_TRUE(started.ok()) << started;
  ASSERT_TRUE((*reg)->Register({.name = "greeter"}, registry::testing::TestNode("new"), 30s).ok());

  // "new" arrives, and "old" (which the new platform never heard of) goes, in some order.
  bool saw_new = false, saw_old_removed = false;
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!(saw_new && saw_old_removed) && std::chrono::steady_clock::now() < deadline) {
    auto next = watcher.Next(1s);
    if (!next.ok()) continue;  // UNAVAILABLE until it reconnects
    if (next->node.id == "new" && next->type == registry::Event::Type::kAdd) saw_new = true;
    if (next->node.id == "old" && next->type == registry::Event::Type::kRemove) {
      saw_old_removed = true;
    }
  }
  EXPECT_TRUE(saw_new);
  EXPECT_TRUE(saw_old_removed);

  // And it keeps following changes live.
  ASSERT_TRUE((*reg)->Deregister("greeter", "new").ok());
  auto removed = registry::testing::NextFor(watcher, "new");
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_EQ(removed->type, registry::Event::Type::kRemove);
}

}  // namespace
}  // namespace micro::platform

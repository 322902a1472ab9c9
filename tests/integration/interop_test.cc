// Interop: clients that know nothing of micro-cpp call a greeter process — Debian's
// python3-grpcio over gRPC (all four call kinds and health), and curl over HTTP/JSON.
#include <gtest/gtest.h>

#include "integration/cluster_fixture.h"

namespace micro::testing {
namespace {

class Interop : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(cluster_.StartPlatform());
    cluster_.StartGreeter(1, {"--request.limit", "4096"});
    ASSERT_TRUE(cluster_.WaitForGreeters(1)) << cluster_.Logs();
    auto node = cluster_.GreeterNode(1);
    ASSERT_TRUE(node.ok()) << node.status();
    grpc_ = node->Address("grpc");
    http_ = node->Address("http");
  }

  // curl's body and HTTP status ("...\n<code>").
  std::pair<std::string, int> Curl(const std::string& path, const std::string& body,
                                   const std::string& extra = "") {
    std::string out;
    int rc = RunCommand(
        "curl -s -o - -w '\\n%{http_code}' -X POST -H 'content-type: "
        "application/json' " +
            extra + " --data-binary '" + body + "' http://" + http_ + path,
        &out);
    EXPECT_EQ(rc, 0) << out;
    size_t nl = out.rfind('\n');
    return {out.substr(0, nl), std::atoi(out.c_str() + nl + 1)};
  }

  Cluster cluster_;
  std::string grpc_;
  std::string http_;
};

TEST_F(Interop, PythonGrpcioCallsEveryKindAndHealth) {
  std::string gen = cluster_.dir() + "/py";
  std::string out;
  int rc =
      RunCommand("mkdir -p " + gen + " && protoc -I " + SourceDir() +
                     "/examples/helloworld/proto -I " + SourceDir() + "/proto --python_out=" + gen +
                     " helloworld/greeter.proto micro/options.proto "
                     "grpc/health/v1/health.proto 2>&1",
                 &out);
  ASSERT_EQ(rc, 0) << out;
  out.clear();
  rc = RunCommand("/usr/bin/python3 " + SourceDir() + "/tests/integration/interop_client.py " +
                      gen + " " + grpc_ + " 2>&1",
                  &out);
  EXPECT_EQ(rc, 0) << out << cluster_.Logs();
  EXPECT_NE(out.find("interop ok"), std::string::npos) << out;
}

TEST_F(Interop, CurlCallsTheSameHandlerWithJson) {
  auto [body, code] = Curl("/helloworld.Greeter/SayHello", R"({"name":"curl"})");
  EXPECT_EQ(code, 200);
  EXPECT_NE(body.find(R"("message":"Hello, curl")"), std::string::npos) << body;
  EXPECT_NE(body.find(R"("servedBy":"greeter-1")"), std::string::npos) << body;

  auto [short_body, short_code] = Curl("/Greeter/SayHello", R"({"name":"short"})");
  EXPECT_EQ(short_code, 200);
  EXPECT_NE(short_body.find("Hello, short"), std::string::npos) << short_body;
}

TEST_F(Interop, BadInputGetsClearErrorsAndNothingCrashes) {
  auto [malformed, malformed_code] = Curl("/helloworld.Greeter/SayHello", R"({"name": )");
  EXPECT_EQ(malformed_code, 400);
  EXPECT_NE(malformed.find(R"("code":"INVALID_ARGUMENT")"), std::string::npos) << malformed;
  EXPECT_NE(malformed.find(R"("message":")"), std::string::npos) << malformed;

  auto [invalid, invalid_code] = Curl("/helloworld.Greeter/SayHello", R"({"name":""})");
  EXPECT_EQ(invalid_code, 400);
  EXPECT_NE(invalid.find("name must not be empty"), std::string::npos) << invalid;

  auto [unknown, unknown_code] = Curl("/helloworld.Greeter/Nope", "{}");
  EXPECT_EQ(unknown_code, 404);
  EXPECT_NE(unknown.find(R"("code":"UNIMPLEMENTED")"), std::string::npos) << unknown;

  std::string big = R"({"name":")" + std::string(8000, 'x') + R"("})";
  auto [too_big, too_big_code] = Curl("/helloworld.Greeter/SayHello", big);
  EXPECT_EQ(too_big_code, 413);
  EXPECT_NE(too_big.find(R"("code":"RESOURCE_EXHAUSTED")"), std::string::npos) << too_big;

  // Garbage on the gRPC port: the connection is dropped, the server lives on.
  std::string out;
  auto [host, port] =
      std::make_pair(grpc_.substr(0, grpc_.find(':')), grpc_.substr(grpc_.find(':') + 1));
  RunCommand(
      "head -c 65536 /dev/urandom | timeout 5 curl -s --max-time 3 "
      "telnet://" +
          host + ":" + port + " >/dev/null 2>&1; true",
      &out);

  // An incomplete registration is refused by the platform with a message.
  std::string reg_out;
  RunCommand(
      "curl -s -w '\\n%{http_code}' -X POST -H 'content-type: application/json' "
      "--data-binary '{\"service\":{\"name\":\"x\"},\"node\":{\"id\":\"n1\"}}' "
      "http://127.0.0.1:" +
          std::to_string(cluster_.platform_port()) + "/v1/registry/register",
      &reg_out);
  EXPECT_NE(reg_out.find("\n400"), std::string::npos) << reg_out;
  EXPECT_NE(reg_out.find("INVALID_ARGUMENT"), std::string::npos) << reg_out;

  // Everything still serves.
  auto [after, after_code] = Curl("/helloworld.Greeter/SayHello", R"({"name":"after"})");
  EXPECT_EQ(after_code, 200) << after;
  EXPECT_TRUE(cluster_.greeter(1).running()) << cluster_.Logs();
  auto reg = cluster_.registry().Get("greeter");
  ASSERT_TRUE(reg.ok());
  EXPECT_EQ(reg->nodes.size(), 1u);
}

}  // namespace
}  // namespace micro::testing

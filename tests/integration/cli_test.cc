// The `micro` CLI against a real platform and greeter, as a user types it.
#include <gtest/gtest.h>

#include "integration/cluster_fixture.h"

namespace micro::testing {
namespace {

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(cluster_.StartPlatform());
    cluster_.StartGreeter(1);
    cluster_.StartGreeter(2);
    ASSERT_TRUE(cluster_.WaitForGreeters(2)) << cluster_.Logs();
  }

  // Runs `micro ARGS` (stderr merged) and returns its exit code.
  int Micro(const std::string& args, std::string* out) {
    out->clear();
    return RunCommand(BinDir() + "/micro " + args + " 2>&1", out);
  }

  std::string Registry() { return " --registry " + cluster_.registry_url() + " "; }

  Cluster cluster_;
};

TEST_F(Cli, ServicesListsNameVersionInstancesAndAddresses) {
  std::string out;
  ASSERT_EQ(Micro("services" + Registry(), &out), 0) << out;
  EXPECT_NE(out.find("SERVICE"), std::string::npos) << out;
  EXPECT_NE(out.find("greeter"), std::string::npos) << out;
  EXPECT_NE(out.find("1.0.0"), std::string::npos) << out;
  auto n1 = cluster_.GreeterNode(1);
  ASSERT_TRUE(n1.ok());
  EXPECT_NE(out.find("grpc://" + n1->Address("grpc")), std::string::npos) << out;

  ASSERT_EQ(Micro("services --json" + Registry(), &out), 0) << out;
  EXPECT_NE(out.find("\"name\": \"greeter\""), std::string::npos) << out;
}

TEST_F(Cli, CallWorksWithoutStubsInEveryMethodSpelling) {
  std::string out;
  for (const char* method : {"helloworld.Greeter/SayHello", "Greeter/SayHello", "Greeter.SayHello",
                             "/helloworld.Greeter/SayHello"}) {
    ASSERT_EQ(Micro("call" + Registry() + "greeter " + method + " '{\"name\":\"cli\"}'", &out), 0)
        << method << ": " << out;
    EXPECT_NE(out.find("\"message\":\"Hello, cli\""), std::string::npos) << out;
  }
}

TEST_F(Cli, HealthShowsEveryInstanceReady) {
  std::string out;
  ASSERT_EQ(Micro("health" + Registry() + "greeter", &out), 0) << out;
  EXPECT_NE(out.find("greeter-1"), std::string::npos) << out;
  EXPECT_NE(out.find("greeter-2"), std::string::npos) << out;
  EXPECT_EQ(out.find("not ready"), std::string::npos) << out;
}

TEST_F(Cli, ErrorsAreClearAndExitNonZero) {
  std::string out;
  EXPECT_EQ(Micro("call" + Registry() + "nobody Greeter.SayHello '{}'", &out), 1);
  EXPECT_NE(out.find("no instances of service 'nobody'"), std::string::npos) << out;

  EXPECT_EQ(Micro("call" + Registry() + "greeter SayHello '{}'", &out), 2);
  EXPECT_NE(out.find("METHOD must look like"), std::string::npos) << out;

  EXPECT_EQ(Micro("call" + Registry() + "greeter Greeter.SayHello '{\"name\":'", &out), 1);
  EXPECT_NE(out.find("INVALID_ARGUMENT"), std::string::npos) << out;

  EXPECT_NE(Micro("services --registry etcd://127.0.0.1:1", &out), 0);
  EXPECT_NE(out.find("unknown registry scheme 'etcd://'"), std::string::npos) << out;

  EXPECT_NE(Micro("services --registry platform://127.0.0.1:1", &out), 0);
  EXPECT_NE(out.find("UNAVAILABLE"), std::string::npos) << out;

  EXPECT_NE(Micro("frobnicate", &out), 0);
  EXPECT_EQ(Micro("--help", &out), 0);
  EXPECT_NE(out.find("services"), std::string::npos) << out;
  EXPECT_EQ(Micro("call --help", &out), 0);
  EXPECT_NE(out.find("--registry"), std::string::npos) << out;
}

}  // namespace
}  // namespace micro::testing

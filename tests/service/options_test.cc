#include <micro/service.h>

#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>

#include "support/process.h"

namespace micro {
namespace {

using namespace std::chrono_literals;

Result<ServiceOptions> Parse(std::vector<std::string> args) {
  args.insert(args.begin(), "svc");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  return ServiceOptions::FromArgs(static_cast<int>(argv.size()), argv.data(),
                                  {.name = "greeter", .version = "1.0.0"});
}

TEST(ServiceOptions, DefaultsWhenNothingIsSet) {
  auto o = Parse({});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->name, "greeter");
  EXPECT_EQ(o->version, "1.0.0");
  EXPECT_EQ(o->registry, "platform://127.0.0.1:7700");
  EXPECT_EQ(o->ttl, 10s);
  ASSERT_NE(o->config, nullptr);
}

TEST(ServiceOptions, FileThenEnvThenFlagsWin) {
  std::string dir = testing::TempDir();
  std::ofstream(dir + "/svc.yaml") << "registry: memory://\n"
                                      "ttl: 20s\n"
                                      "heartbeat: 2s\n"
                                      "metadata:\n  zone: a\n  weight: \"5\"\n"
                                      "app:\n  greeting: Hi\n";
  setenv("MICRO_HEARTBEAT", "3s", 1);
  setenv("MICRO_METADATA_ZONE", "b", 1);
  auto o = Parse({"--config", dir + "/svc.yaml", "--drain.timeout=2s", "--metadata.zone", "c",
                  "--id", "greeter-7"});
  unsetenv("MICRO_HEARTBEAT");
  unsetenv("MICRO_METADATA_ZONE");
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->registry, "memory://");     // file
  EXPECT_EQ(o->ttl, 20s);                  // file
  EXPECT_EQ(o->heartbeat_interval, 3s);    // env over file
  EXPECT_EQ(o->drain_timeout, 2s);         // flag
  EXPECT_EQ(o->id, "greeter-7");           // flag
  EXPECT_EQ(o->metadata.at("zone"), "c");  // flag over env over file
  EXPECT_EQ(o->metadata.at("weight"), "5");
  // The application's own keys come from the same layers.
  EXPECT_EQ(o->config->GetOr("app.greeting", "none"), "Hi");
  EXPECT_EQ(o->config->SourceOf("heartbeat"), "env:MICRO_HEARTBEAT");
  testing::RunCommand("rm -rf " + dir);
}

TEST(ServiceOptions, BadValuesNameTheirKey) {
  auto bad = Parse({"--ttl", "soon"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("ttl"), std::string::npos) << bad.status();
  EXPECT_NE(bad.status().message().find("flag:--ttl"), std::string::npos) << bad.status();

  auto inverted = Parse({"--ttl", "1s", "--heartbeat", "5s"});
  ASSERT_FALSE(inverted.ok());
  EXPECT_NE(inverted.status().message().find("must be longer than heartbeat"), std::string::npos);

  auto missing_file = Parse({"--config", "/nonexistent/svc.yaml"});
  ASSERT_FALSE(missing_file.ok());
  EXPECT_NE(missing_file.status().message().find("/nonexistent/svc.yaml"), std::string::npos);
}

TEST(ServiceOptions, HelpPrintsUsage) {
  auto help = Parse({"--help"});
  ASSERT_FALSE(help.ok());
  EXPECT_EQ(help.status().code(), StatusCode::kCancelled);
  EXPECT_NE(help.status().message().find("--registry URL"), std::string::npos);
  EXPECT_NE(help.status().message().find("--drain.timeout DURATION"), std::string::npos);
}

}  // namespace
}  // namespace micro

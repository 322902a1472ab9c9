// protoc-gen-micro run by protoc on small .proto files written by the test: which files it
// writes, and the error protoc prints for what it cannot generate.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <sys/wait.h>

#include <gtest/gtest.h>

namespace {

namespace fs = std::filesystem;

struct RunResult {
  int exit_code = -1;
  std::string errors;  // protoc's stderr
};

class ProtocPluginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "micro-codegen-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    fs::create_directories(dir_ / "out");
  }
  void TearDown() override { fs::remove_all(dir_); }

  RunResult Generate(const std::string& name, const std::string& proto) {
    std::ofstream(dir_ / name) << proto;
    std::string command = std::string(MICRO_PROTOC) + " -I" + dir_.string() + " -I" +
                          MICRO_PROTO_DIR + " --plugin=protoc-gen-micro=" + MICRO_PLUGIN +
                          " --micro_out=" + (dir_ / "out").string() + " " + (dir_ / name).string() +
                          " 2>" + (dir_ / "stderr").string();
    RunResult result;
    int status = std::system(command.c_str());
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::stringstream errors;
    errors << std::ifstream(dir_ / "stderr").rdbuf();
    result.errors = errors.str();
    return result;
  }

  fs::path dir_;
};

TEST_F(ProtocPluginTest, WritesHeaderAndSourceBesideTheProtoPath) {
  RunResult r = Generate("ok.proto", R"(
    syntax = "proto3";
    package a.b;
    message M { optional string s = 1; }
    service S { rpc Get(M) returns (M); }
  )");
  ASSERT_EQ(r.exit_code, 0) << r.errors;
  EXPECT_TRUE(fs::exists(dir_ / "out" / "ok.micro.h"));
  EXPECT_TRUE(fs::exists(dir_ / "out" / "ok.micro.cc"));
}

TEST_F(ProtocPluginTest, FileWithoutServicesStillGetsBothFiles) {
  RunResult r = Generate("messages.proto", R"(
    syntax = "proto3";
    message M { string s = 1; }
  )");
  ASSERT_EQ(r.exit_code, 0) << r.errors;
  EXPECT_TRUE(fs::exists(dir_ / "out" / "messages.micro.h"));
  EXPECT_TRUE(fs::exists(dir_ / "out" / "messages.micro.cc"));
}

TEST_F(ProtocPluginTest, LiteRuntimeIsRejected) {
  RunResult r = Generate("lite.proto", R"(
    syntax = "proto3";
    option optimize_for = LITE_RUNTIME;
    message M { string s = 1; }
    service S { rpc Get(M) returns (M); }
  )");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.errors.find("lite.proto: option optimize_for = LITE_RUNTIME is not supported"),
            std::string::npos)
      << r.errors;
}

TEST_F(ProtocPluginTest, KeywordRpcNameIsRejected) {
  RunResult r = Generate("keyword.proto", R"(
    syntax = "proto3";
    message M { string s = 1; }
    service S { rpc delete(M) returns (M); }
  )");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.errors.find("rpc delete: 'delete' is a C++ keyword"), std::string::npos) << r.errors;
}

TEST_F(ProtocPluginTest, ClashWithTheGeneratedAsyncNameIsRejected) {
  RunResult r = Generate("clash.proto", R"(
    syntax = "proto3";
    message M { string s = 1; }
    service S { rpc Get(M) returns (M); rpc GetAsync(M) returns (M); }
  )");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.errors.find("would declare a member named GetAsync twice"), std::string::npos)
      << r.errors;
}

TEST_F(ProtocPluginTest, ClashWithAMessageNameIsRejected) {
  RunResult r = Generate("message_clash.proto", R"(
    syntax = "proto3";
    package p;
    message GreeterClient { string s = 1; }
    service Greeter { rpc Get(GreeterClient) returns (GreeterClient); }
  )");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.errors.find("the generated name GreeterClient collides"), std::string::npos)
      << r.errors;
}

TEST_F(ProtocPluginTest, NonBlockingStreamIsRejected) {
  RunResult r = Generate("stream.proto", R"(
    syntax = "proto3";
    import "micro/options.proto";
    message M { string s = 1; }
    service S {
      rpc Watch(M) returns (stream M) { option (micro.non_blocking) = true; }
    }
  )");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.errors.find("(micro.non_blocking) is only supported on unary rpcs"),
            std::string::npos)
      << r.errors;
}

TEST_F(ProtocPluginTest, ParametersAreRejected) {
  std::ofstream(dir_ / "p.proto") << "syntax = \"proto3\";\n";
  std::string command = std::string(MICRO_PROTOC) + " -I" + dir_.string() +
                        " --plugin=protoc-gen-micro=" + MICRO_PLUGIN +
                        " --micro_out=x=1:" + (dir_ / "out").string() + " " +
                        (dir_ / "p.proto").string() + " 2>/dev/null";
  EXPECT_NE(std::system(command.c_str()), 0);
}

}  // namespace

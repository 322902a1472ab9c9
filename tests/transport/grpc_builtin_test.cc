// grpc.health.v1.Health and grpc.reflection through the real gRPC path: a micro Server
// with AddHealthService/AddReflectionService behind the gRPC transport.
#include <chrono>
#include <string>
#include <vector>

#include <google/protobuf/descriptor.pb.h>
#include <gtest/gtest.h>

#include <micro/server/builtin.h>

#include "grpc/health/v1/health.pb.h"
#include "grpc/reflection/v1/reflection.pb.h"
#include "grpc/reflection/v1alpha/reflection.pb.h"
#include "grpc_test_env.h"
#include "support/wait.h"

namespace micro::testing {
namespace {

using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

constexpr char kCheck[] = "/grpc.health.v1.Health/Check";
constexpr char kWatch[] = "/grpc.health.v1.Health/Watch";

class GrpcBuiltinTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = std::make_unique<GrpcTestEnv>(
        GrpcEnvOptions{.configure = [](server::Server& server, server::HealthState& health) {
          ASSERT_TRUE(server::AddHealthService(server, health).ok());
          ASSERT_TRUE(server::AddReflectionService(server).ok());
        }});
    ASSERT_EQ(env_->error(), "");
  }

  Status Check(const std::string& service, HealthCheckResponse* response) {
    auto ctx = Context::WithTimeout(std::chrono::seconds(5));
    HealthCheckRequest request;
    request.set_service(service);
    return env_->client().Call(ctx, env_->address(), kCheck, request, response);
  }

  std::unique_ptr<GrpcTestEnv> env_;
};

TEST_F(GrpcBuiltinTest, CheckFollowsHealthState) {
  HealthCheckResponse response;
  ASSERT_TRUE(Check("", &response).ok());
  EXPECT_EQ(response.status(), HealthCheckResponse::NOT_SERVING);  // not registered yet

  env_->health().SetRegistered(true);
  ASSERT_TRUE(Check("", &response).ok());
  EXPECT_EQ(response.status(), HealthCheckResponse::SERVING);

  EXPECT_EQ(Check("micro.test.Echo", &response).code(), StatusCode::kNotFound);
  env_->health().AddService("micro.test.Echo");
  ASSERT_TRUE(Check("micro.test.Echo", &response).ok());
  EXPECT_EQ(response.status(), HealthCheckResponse::SERVING);
}

TEST_F(GrpcBuiltinTest, WatchSeesChangesAndEndsOnDrain) {
  auto ctx = Context::WithTimeout(std::chrono::seconds(10));
  auto stream = env_->client().OpenStream(ctx, env_->address(), kWatch);
  ASSERT_TRUE(stream.ok());
  ASSERT_TRUE((*stream)->Write(HealthCheckRequest()));
  ASSERT_TRUE((*stream)->WritesDone());
  HealthCheckResponse response;
  ASSERT_TRUE((*stream)->Read(&response));
  EXPECT_EQ(response.status(), HealthCheckResponse::NOT_SERVING);

  env_->health().SetRegistered(true);
  ASSERT_TRUE((*stream)->Read(&response));
  EXPECT_EQ(response.status(), HealthCheckResponse::SERVING);

  env_->health().SetDraining(true);
  ASSERT_TRUE((*stream)->Read(&response));
  EXPECT_EQ(response.status(), HealthCheckResponse::NOT_SERVING);
  EXPECT_FALSE((*stream)->Read(&response));  // draining ends the watch
  EXPECT_TRUE((*stream)->Finish().ok());
  EXPECT_TRUE(WaitFor([&] { return env_->server().inflight() == 0; }));
}

TEST_F(GrpcBuiltinTest, WatchEndsWhenClientCancels) {
  Context ctx;
  auto stream = env_->client().OpenStream(ctx, env_->address(), kWatch);
  ASSERT_TRUE(stream.ok());
  HealthCheckRequest request;
  request.set_service("micro.test.Echo");
  ASSERT_TRUE((*stream)->Write(request));
  HealthCheckResponse response;
  ASSERT_TRUE((*stream)->Read(&response));
  EXPECT_EQ(response.status(), HealthCheckResponse::SERVICE_UNKNOWN);
  ctx.Cancel();
  EXPECT_FALSE((*stream)->Read(&response));
  EXPECT_EQ((*stream)->Finish().code(), StatusCode::kCancelled);
  EXPECT_TRUE(WaitFor([&] { return env_->server().inflight() == 0; }));
}

template <typename Request, typename Response>
std::vector<Response> Reflect(GrpcTestEnv& env, const std::string& path,
                              const std::vector<Request>& requests) {
  auto ctx = Context::WithTimeout(std::chrono::seconds(5));
  auto stream = env.client().OpenStream(ctx, env.address(), path);
  EXPECT_TRUE(stream.ok());
  std::vector<Response> responses;
  if (!stream.ok()) return responses;
  for (const Request& request : requests) {
    EXPECT_TRUE((*stream)->Write(request));
    Response response;
    EXPECT_TRUE((*stream)->Read(&response));
    responses.push_back(response);
  }
  (*stream)->WritesDone();
  Response extra;
  EXPECT_FALSE((*stream)->Read(&extra));
  EXPECT_TRUE((*stream)->Finish().ok());
  return responses;
}

TEST_F(GrpcBuiltinTest, ReflectionListsServicesAndReturnsFiles) {
  using grpc::reflection::v1alpha::ServerReflectionRequest;
  using grpc::reflection::v1alpha::ServerReflectionResponse;
  std::vector<ServerReflectionRequest> requests(4);
  requests[0].set_list_services("*");
  requests[1].set_file_containing_symbol("micro.test.Echo");
  requests[2].set_file_by_filename("grpc/health/v1/health.proto");
  requests[3].set_file_containing_symbol("no.such.Symbol");
  auto responses = Reflect<ServerReflectionRequest, ServerReflectionResponse>(
      *env_, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", requests);
  ASSERT_EQ(responses.size(), 4u);

  std::vector<std::string> services;
  for (const auto& s : responses[0].list_services_response().service()) {
    services.push_back(s.name());
  }
  EXPECT_EQ(services, (std::vector<std::string>{
                          "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection",
                          "grpc.reflection.v1alpha.ServerReflection", "micro.test.Echo"}));

  ASSERT_EQ(responses[1].file_descriptor_response().file_descriptor_proto_size(), 1);
  google::protobuf::FileDescriptorProto file;
  ASSERT_TRUE(
      file.ParseFromString(responses[1].file_descriptor_response().file_descriptor_proto(0)));
  EXPECT_EQ(file.name(), "echo.proto");
  ASSERT_EQ(file.service_size(), 1);
  EXPECT_EQ(file.service(0).name(), "Echo");
  EXPECT_EQ(file.service(0).method_size(), 4);
  EXPECT_EQ(responses[1].original_request().file_containing_symbol(), "micro.test.Echo");

  ASSERT_EQ(responses[2].file_descriptor_response().file_descriptor_proto_size(), 1);
  ASSERT_TRUE(
      file.ParseFromString(responses[2].file_descriptor_response().file_descriptor_proto(0)));
  EXPECT_EQ(file.package(), "grpc.health.v1");

  EXPECT_EQ(responses[3].error_response().error_code(), static_cast<int>(StatusCode::kNotFound));
}

TEST_F(GrpcBuiltinTest, ReflectionV1AndTransitiveDependencies) {
  using grpc::reflection::v1::ServerReflectionRequest;
  using grpc::reflection::v1::ServerReflectionResponse;
  std::vector<ServerReflectionRequest> requests(2);
  requests[0].set_list_services("");
  // descriptor.proto has no imports; a method symbol resolves to its service's file.
  requests[1].set_file_containing_symbol("grpc.health.v1.Health.Check");
  auto responses = Reflect<ServerReflectionRequest, ServerReflectionResponse>(
      *env_, "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo", requests);
  ASSERT_EQ(responses.size(), 2u);
  EXPECT_EQ(responses[0].list_services_response().service_size(), 4);
  ASSERT_EQ(responses[1].file_descriptor_response().file_descriptor_proto_size(), 1);
  google::protobuf::FileDescriptorProto file;
  ASSERT_TRUE(
      file.ParseFromString(responses[1].file_descriptor_response().file_descriptor_proto(0)));
  EXPECT_EQ(file.name(), "grpc/health/v1/health.proto");
}

}  // namespace
}  // namespace micro::testing

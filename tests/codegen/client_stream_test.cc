// The typed client stream wrappers (micro/client/stream.h) over a scripted ClientStream.
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include <gtest/gtest.h>

#include <micro/client/stream.h>

#include "codegen/fake_streams.h"
#include "helloworld/greeter.pb.h"

namespace {

using helloworld::HelloReply;
using helloworld::HelloRequest;
using micro::StatusCode;
using micro::testing::FakeClientStream;

std::unique_ptr<micro::client::ClientStream> Stream(std::shared_ptr<FakeClientStream::State> s) {
  return std::make_unique<FakeClientStream>(std::move(s));
}

HelloReply Reply(const std::string& message) {
  HelloReply r;
  r.set_message(message);
  return r;
}

HelloRequest Request(const std::string& name) {
  HelloRequest r;
  r.set_name(name);
  return r;
}

static_assert(!std::is_copy_constructible_v<micro::ClientReader<HelloReply>>);
static_assert(std::is_nothrow_move_constructible_v<micro::ClientReader<HelloReply>>);
static_assert(!std::is_copy_constructible_v<micro::ClientWriter<HelloRequest, HelloReply>>);
static_assert(
    std::is_nothrow_move_constructible_v<micro::ClientReaderWriter<HelloRequest, HelloReply>>);

TEST(ClientReaderTest, ReadsEveryReplyThenFinishes) {
  auto state = std::make_shared<FakeClientStream::State>();
  state->replies.push_back(micro::testing::Clone(Reply("a")));
  state->replies.push_back(micro::testing::Clone(Reply("b")));
  micro::ClientReader<HelloReply> reader(Stream(state));
  HelloReply reply;
  ASSERT_TRUE(reader.Read(&reply));
  EXPECT_EQ(reply.message(), "a");
  ASSERT_TRUE(reader.Read(&reply));
  EXPECT_EQ(reply.message(), "b");
  EXPECT_FALSE(reader.Read(&reply));
  EXPECT_TRUE(reader.Finish().ok());
  EXPECT_TRUE(state->finished);
}

TEST(ClientReaderTest, FinishReportsTheCallsError) {
  auto state = std::make_shared<FakeClientStream::State>();
  state->final_status = micro::Status::Unavailable("gone");
  micro::ClientReader<HelloReply> reader(Stream(state));
  HelloReply reply;
  EXPECT_FALSE(reader.Read(&reply));
  EXPECT_EQ(reader.Finish().code(), StatusCode::kUnavailable);
}

TEST(ClientWriterTest, FinishHalfClosesAndReturnsTheOneResponse) {
  auto state = std::make_shared<FakeClientStream::State>();
  state->replies.push_back(micro::testing::Clone(Reply("Hello, Ann, Bob")));
  micro::ClientWriter<HelloRequest, HelloReply> writer(Stream(state));
  ASSERT_TRUE(writer.Write(Request("Ann")));
  ASSERT_TRUE(writer.Write(Request("Bob")));
  HelloReply reply;
  ASSERT_TRUE(writer.Finish(&reply).ok());
  EXPECT_EQ(reply.message(), "Hello, Ann, Bob");
  EXPECT_TRUE(state->writes_done);
  EXPECT_TRUE(state->finished);
  ASSERT_EQ(state->written.size(), 2u);
  HelloRequest first;
  ASSERT_TRUE(first.ParseFromString(state->written[0]));
  EXPECT_EQ(first.name(), "Ann");
}

TEST(ClientWriterTest, OkWithoutAResponseIsInternal) {
  auto state = std::make_shared<FakeClientStream::State>();
  micro::ClientWriter<HelloRequest, HelloReply> writer(Stream(state));
  HelloReply reply;
  EXPECT_EQ(writer.Finish(&reply).code(), StatusCode::kInternal);
}

TEST(ClientWriterTest, FinishReportsTheServersError) {
  auto state = std::make_shared<FakeClientStream::State>();
  state->final_status = micro::Status::InvalidArgument("send at least one name");
  micro::ClientWriter<HelloRequest, HelloReply> writer(Stream(state));
  HelloReply reply;
  micro::Status s = writer.Finish(&reply);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "send at least one name");
}

TEST(ClientWriterTest, WriteReportsAClosedCall) {
  auto state = std::make_shared<FakeClientStream::State>();
  state->fail_writes = true;
  micro::ClientWriter<HelloRequest, HelloReply> writer(Stream(state));
  EXPECT_FALSE(writer.Write(Request("Ann")));
}

TEST(ClientReaderWriterTest, PassesEveryOperationThrough) {
  auto state = std::make_shared<FakeClientStream::State>();
  state->replies.push_back(micro::testing::Clone(Reply("Hello, Ann")));
  micro::ClientReaderWriter<HelloRequest, HelloReply> rw(Stream(state));
  ASSERT_TRUE(rw.Write(Request("Ann")));
  HelloReply reply;
  ASSERT_TRUE(rw.Read(&reply));
  EXPECT_EQ(reply.message(), "Hello, Ann");
  ASSERT_TRUE(rw.WritesDone());
  EXPECT_TRUE(state->writes_done);
  EXPECT_FALSE(rw.Read(&reply));
  EXPECT_TRUE(rw.Finish().ok());

  // Moving hands the stream over.
  micro::ClientReaderWriter<HelloRequest, HelloReply> moved(std::move(rw));
  EXPECT_FALSE(moved.Write(Request("late")));  // after WritesDone
}

}  // namespace

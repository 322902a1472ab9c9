// micro.test.Echo (tests/support/proto/echo.proto) as hand-built server Methods, so that
// transport and middleware tests do not depend on generated service code.
//
//   micro::server::Server server;
//   auto recorder = std::make_shared<micro::testing::EchoRecorder>();
//   ASSERT_TRUE(micro::testing::AddEchoMethods(server, recorder).ok());
//
// Every handler honours the request's knobs: `sleep_ms` (wakes early when the call is
// cancelled), `fail_code` (fails with that code and `message` as the text), and a message
// "throw:<text>" (throws std::runtime_error(text)). Methods are kBlocking; a test may
// change that with Server::SetExecution.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <micro/core/context.h>
#include <micro/core/status.h>
#include <micro/server/server.h>

namespace micro::testing {

inline constexpr char kEchoService[] = "micro.test.Echo";
inline constexpr char kEchoUnary[] = "/micro.test.Echo/Unary";
inline constexpr char kEchoServerStream[] = "/micro.test.Echo/ServerStream";
inline constexpr char kEchoClientStream[] = "/micro.test.Echo/ClientStream";
inline constexpr char kEchoBidi[] = "/micro.test.Echo/Bidi";

// What one handler saw of its call.
struct EchoCall {
  std::string method;  // "Unary", "ServerStream", "ClientStream", "Bidi"
  Metadata metadata;
  TraceContext trace;
  bool has_deadline = false;
  std::chrono::nanoseconds remaining{0};  // time left when the handler started
  std::string peer;
  std::thread::id thread;
  std::string thread_name;  // pthread name of the handler's thread
  bool cancelled = false;   // ctx.cancelled() when the handler returned
};

// Thread-safe log of the calls the Echo handlers served.
class EchoRecorder {
 public:
  // A handler entered (before it sleeps); lets a test act while a call is running.
  void Started();
  void Finished(EchoCall call);

  size_t started() const;
  size_t finished() const;
  std::vector<EchoCall> calls() const;
  EchoCall last() const;  // the most recently finished call; empty when none

 private:
  mutable std::mutex mu_;
  size_t started_ = 0;
  std::vector<EchoCall> calls_;
};

Status AddEchoMethods(server::Server& server, std::shared_ptr<EchoRecorder> recorder = nullptr);

}  // namespace micro::testing

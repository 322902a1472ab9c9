// A client that goes away while its HTTP request is handled: the request's Context is
// cancelled within a second (unary RPC on a worker, NDJSON server stream, a plain route that
// long-polls), whether the client closes, resets or only half-closes its connection; the
// middleware chain sees the handler's CANCELLED. A request that is answered is never
// cancelled, and pipelined requests that arrive while one is handled are kept and answered.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <google/protobuf/wrappers.pb.h>
#include <gtest/gtest.h>

#include <micro/core/url.h>
#include <micro/http/http.h>
#include <micro/log/access_log.h>
#include <micro/server/health.h>
#include <micro/server/middleware.h>
#include <micro/server/server.h>

#include "http/raw_socket.h"
#include "log/capture_sink.h"
#include "support/wait.h"
#include "transport/builtin.h"

namespace micro::transport {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using google::protobuf::Message;
using google::protobuf::StringValue;
using micro::testing::RawSocket;
using server::Method;
using server::MethodKind;

// What the handlers and the chain saw, with bounded waits on it.
class Probe {
 public:
  struct Call {
    std::string method;
    bool cancelled = false;  // ctx.cancelled() when the handler returned
    StatusCode code = StatusCode::kOk;
    std::string message;  // of the status the chain returned
  };

  void Started() {
    Update([&] { ++started_; });
  }
  void Cancelled() {
    Update([&] { ++cancels_; });
  }
  void Release() {
    Update([&] { released_ = true; });
  }
  void Finished(const std::string& method, bool cancelled) {
    Update([&] { finished_.push_back({method, cancelled}); });
  }
  void Returned(const std::string& method, const Status& status) {
    Update([&] {
      for (Call& c : finished_) {
        if (c.method == method && c.message.empty() && c.code == StatusCode::kOk) {
          c.code = status.code();
          c.message = status.message();
          break;
        }
      }
      ++returned_;
    });
  }

  bool WaitStarted(size_t n, Clock::duration timeout = 5s) {
    return Wait([&] { return started_ >= n; }, timeout);
  }
  bool WaitCancelled(size_t n, Clock::duration timeout) {
    return Wait([&] { return cancels_ >= n; }, timeout);
  }
  bool WaitReturned(size_t n, Clock::duration timeout = 5s) {
    return Wait([&] { return returned_ >= n; }, timeout);
  }
  // Waits up to `most` for Release() or for `ctx` to be cancelled; true when cancelled.
  bool WaitReleaseOrCancel(Context& ctx, Clock::duration most) {
    uint64_t handle = ctx.OnCancel([this] { Cancelled(); });
    bool cancelled = false;
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, most, [&] { return released_ || ctx.cancelled(); });
      cancelled = ctx.cancelled();
    }
    ctx.RemoveOnCancel(handle);
    return cancelled;
  }

  size_t cancels() {
    std::lock_guard lock(mu_);
    return cancels_;
  }
  std::vector<Call> calls() {
    std::lock_guard lock(mu_);
    return finished_;
  }

 private:
  void Update(const std::function<void()>& change) {
    std::lock_guard lock(mu_);
    change();
    cv_.notify_all();
  }
  bool Wait(const std::function<bool()>& condition, Clock::duration timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, condition);
  }

  std::mutex mu_;
  std::condition_variable cv_;
  size_t started_ = 0;
  size_t cancels_ = 0;
  size_t returned_ = 0;
  bool released_ = false;
  std::vector<Call> finished_;
};

// Stands where the access log and the metrics stand: it sees what the handler returned.
class ChainRecorder : public server::Interceptor {
 public:
  explicit ChainRecorder(std::shared_ptr<Probe> probe) : probe_(std::move(probe)) {}
  Status Intercept(Context& ctx, const server::CallInfo& call, server::Next next) override {
    Status status = next(ctx);
    probe_->Returned(call.method.name, status);
    return status;
  }

 private:
  std::shared_ptr<Probe> probe_;
};

std::string Post(const std::string& path, const std::string& json, bool close = false) {
  return "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
         (close ? "Connection: close\r\n" : "") + "Content-Length: " + std::to_string(json.size()) +
         "\r\n\r\n" + json;
}

class HttpCancelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* text = &StringValue::default_instance();
    auto unary = [&](std::string name, Method::UnaryFn fn) {
      Method m;
      m.service = "test.v1.Slow";
      m.name = std::move(name);
      m.request_prototype = text;
      m.response_prototype = text;
      m.unary = std::move(fn);
      ASSERT_TRUE(server_.AddMethod(std::move(m)).ok());
    };
    // Holds the call until the test releases it, the client leaves, or 5 s pass.
    unary("Hold", [probe = probe_](Context& ctx, const Message& in, Message* out) -> Status {
      probe->Started();
      bool cancelled = probe->WaitReleaseOrCancel(ctx, 5s);
      probe->Finished("Hold", cancelled);
      if (cancelled) return Status::Cancelled("client went away");
      out->CopyFrom(in);
      return {};
    });
    unary("Quick", [probe = probe_](Context& ctx, const Message& in, Message* out) {
      probe->Finished("Quick", ctx.cancelled());
      out->CopyFrom(in);
      return Status();
    });
    // Answers the size of the value (for bodies too large to echo into a log).
    unary("Size", [](Context&, const Message& in, Message* out) {
      static_cast<StringValue*>(out)->set_value(
          std::to_string(static_cast<const StringValue&>(in).value().size()));
      return Status();
    });
    // A line every few milliseconds until the client leaves (or 5 s pass); with "idle",
    // three lines and then a wait for the client to leave, writing nothing.
    Method ticks;
    ticks.service = "test.v1.Slow";
    ticks.name = "Ticks";
    ticks.kind = MethodKind::kServerStreaming;
    ticks.request_prototype = text;
    ticks.response_prototype = text;
    ticks.stream = [probe = probe_](Context& ctx, server::ServerStream& stream) -> Status {
      StringValue req;
      if (!stream.Read(&req)) return Status::InvalidArgument("no request");
      probe->Started();
      uint64_t handle = ctx.OnCancel([probe] { probe->Cancelled(); });
      Status result;
      auto give_up = Clock::now() + 5s;
      for (int n = 1; Clock::now() < give_up; ++n) {
        if (req.value() == "idle" && n > 3) {
          if (probe->WaitReleaseOrCancel(ctx, give_up - Clock::now())) {
            result = Status::Cancelled("client went away");
          }
          break;
        }
        StringValue line;
        line.set_value(std::to_string(n));
        if (!stream.Write(line)) {
          result = Status::Cancelled("client went away");
          break;
        }
        // Paces the stream; a cancellation ends the wait at once.
        if (probe->WaitReleaseOrCancel(ctx, 5ms)) {
          result = Status::Cancelled("client went away");
          break;
        }
      }
      ctx.RemoveOnCancel(handle);
      probe->Finished("Ticks", ctx.cancelled());
      return result;
    };
    ASSERT_TRUE(server_.AddMethod(std::move(ticks)).ok());
    server_.Use(std::make_shared<ChainRecorder>(probe_));
    access_log_->set_enabled(false);  // on where a test reads it
    server_.Use(access_log_);

    auto url = Url::Parse("http://127.0.0.1:0?threads=2");
    ASSERT_TRUE(url.ok());
    auto transport = NewHttpServerTransport(*url);
    ASSERT_TRUE(transport.ok()) << transport.status();
    transport_ = std::move(*transport);
    ASSERT_TRUE(transport_->Start(server_, health_).ok());
    port_ = transport_->port();
  }

  void TearDown() override {
    if (transport_) transport_->Shutdown(Clock::now() + 2s);
  }

  // Sends a Hold call, waits for the handler, lets `leave` end the connection, and checks
  // that the handler saw the cancellation within a second and the chain a CANCELLED.
  void ExpectCancelledWhenClientLeaves(const std::function<void(RawSocket&)>& leave) {
    RawSocket s(port_);
    ASSERT_TRUE(s.connected());
    ASSERT_TRUE(s.Send(Post("/test.v1.Slow/Hold", R"("held")")));
    ASSERT_TRUE(probe_->WaitStarted(1));
    leave(s);
    EXPECT_TRUE(probe_->WaitCancelled(1, 1s)) << "the handler's Context was not cancelled";
    ASSERT_TRUE(probe_->WaitReturned(1));
    auto calls = probe_->calls();
    ASSERT_EQ(calls.size(), 1u);
    EXPECT_TRUE(calls[0].cancelled);
    EXPECT_EQ(calls[0].code, StatusCode::kCancelled);
    EXPECT_EQ(calls[0].message, "client went away");
  }

  std::shared_ptr<Probe> probe_ = std::make_shared<Probe>();
  std::shared_ptr<log::AccessLogInterceptor> access_log_ =
      std::make_shared<log::AccessLogInterceptor>();
  server::Server server_{{.worker_threads = 4}};
  server::HealthState health_;
  std::unique_ptr<server::Transport> transport_;
  uint16_t port_ = 0;
};

TEST_F(HttpCancelTest, ClientCloseCancelsTheHandler) {
  ExpectCancelledWhenClientLeaves([](RawSocket& s) { s.Close(); });
  // The server goes on serving.
  RawSocket next(port_);
  ASSERT_TRUE(next.Send(Post("/test.v1.Slow/Quick", R"("after")", /*close=*/true)));
  std::string answer = next.ReadAll();
  EXPECT_NE(answer.find("HTTP/1.1 200"), std::string::npos) << answer;
  EXPECT_NE(answer.find("\"after\""), std::string::npos) << answer;
}

// The access log (and so the metrics, which count the same status) see the call end as the
// handler ended it; the transport adds one debug line and nothing louder.
TEST_F(HttpCancelTest, ACallWhoseClientLeftIsLoggedAsCancelled) {
  auto sink = log::testing::Capture(log::Level::kDebug);
  access_log_->set_enabled(true);
  struct Restore {
    ~Restore() {
      (void)log::Configure({.level = log::Level::kInfo, .keep_installed_sinks = false});
    }
  } restore;
  ExpectCancelledWhenClientLeaves([](RawSocket& s) { s.Close(); });
  // Written after the chain returned, on the worker.
  const std::string kMsg = "http: client went away before the answer";
  EXPECT_TRUE(micro::testing::WaitFor([&] { return !sink->WithMsg(kMsg).empty(); }, 2000ms));
  auto lines = sink->WithMsg(kMsg);
  ASSERT_EQ(lines.size(), 1u) << sink->Text();
  EXPECT_EQ(lines[0]["level"], "debug");
  EXPECT_EQ(lines[0]["method"], "/test.v1.Slow/Hold");
  EXPECT_EQ(lines[0]["code"], "CANCELLED");
  auto access = sink->WithMsg("access");
  ASSERT_EQ(access.size(), 1u) << sink->Text();
  EXPECT_EQ(access[0]["transport"], "http");
  EXPECT_EQ(access[0]["method"], "/test.v1.Slow/Hold");
  EXPECT_EQ(access[0]["code"], "CANCELLED");
  EXPECT_EQ(access[0]["error"], "client went away");
  // The answer that could not be delivered makes no more noise: the next call's answer
  // has been written after it, and nothing else was logged above debug.
  RawSocket next(port_);
  ASSERT_TRUE(next.Send(Post("/test.v1.Slow/Quick", R"("after")", /*close=*/true)));
  EXPECT_NE(next.ReadAll().find("HTTP/1.1 200"), std::string::npos);
  for (const auto& line : sink->Json()) {
    if (line.value("msg", "") == "access") continue;
    EXPECT_EQ(line["level"], "debug") << line.dump();
  }
  EXPECT_EQ(sink->WithMsg(kMsg).size(), 1u);
}

TEST_F(HttpCancelTest, ClientResetCancelsTheHandler) {
  ExpectCancelledWhenClientLeaves([](RawSocket& s) { s.Close(/*reset=*/true); });
}

TEST_F(HttpCancelTest, HalfCloseCancelsButTheAnswerIsStillSent) {
  std::string answer;
  ExpectCancelledWhenClientLeaves([&](RawSocket& s) {
    s.ShutdownWrite();
    answer = s.ReadAll();  // until the server closes
  });
  EXPECT_NE(answer.find("HTTP/1.1 499"), std::string::npos) << answer;
  EXPECT_NE(answer.find("CANCELLED"), std::string::npos) << answer;
}

TEST_F(HttpCancelTest, AnsweredRequestsAreNotCancelled) {
  http::HttpClient client;
  std::string addr = "127.0.0.1:" + std::to_string(port_);
  for (int i = 0; i < 3; ++i) {
    auto r = client.Post(addr, "/test.v1.Slow/Quick", R"("q")", 5s);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->status, 200);
  }
  probe_->Release();  // Hold answers at once
  auto r = client.Post(addr, "/test.v1.Slow/Hold", R"("h")", 5s);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->body, R"("h")");
  // A kept-alive connection that closes after its answers cancels nothing.
  {
    RawSocket s(port_);
    ASSERT_TRUE(s.Send(Post("/test.v1.Slow/Quick", R"("k")")));
    EXPECT_NE(s.ReadUntil(R"("k")").find("HTTP/1.1 200"), std::string::npos);
  }
  auto last = client.Post(addr, "/test.v1.Slow/Quick", R"("last")", 5s);
  ASSERT_TRUE(last.ok());
  ASSERT_TRUE(probe_->WaitReturned(6));
  for (const auto& call : probe_->calls()) {
    EXPECT_FALSE(call.cancelled) << call.method;
    EXPECT_EQ(call.code, StatusCode::kOk) << call.method;
  }
  EXPECT_EQ(probe_->cancels(), 0u);
}

TEST_F(HttpCancelTest, PipelinedRequestsSentTogetherAreAnswered) {
  probe_->Release();
  RawSocket s(port_);
  ASSERT_TRUE(s.Send(Post("/test.v1.Slow/Hold", R"("one")") +
                     Post("/test.v1.Slow/Quick", R"("two")", /*close=*/true)));
  std::string all = s.ReadAll();
  EXPECT_EQ(RawSocket::Count(all, "HTTP/1.1 200"), 2) << all;
  size_t one = all.find(R"("one")");
  size_t two = all.find(R"("two")");
  ASSERT_NE(one, std::string::npos) << all;
  ASSERT_NE(two, std::string::npos) << all;
  EXPECT_LT(one, two);
  EXPECT_EQ(probe_->cancels(), 0u);
}

TEST_F(HttpCancelTest, PipelinedRequestsArrivingWhileOneIsHandledAreKept) {
  RawSocket s(port_);
  ASSERT_TRUE(s.Send(Post("/test.v1.Slow/Hold", R"("first")")));
  ASSERT_TRUE(probe_->WaitStarted(1));
  // While "first" is held: a small request and one larger than the server reads ahead.
  std::string big(200 << 10, 'b');
  ASSERT_TRUE(s.Send(Post("/test.v1.Slow/Quick", R"("second")") +
                     Post("/test.v1.Slow/Size", "\"" + big + "\"", /*close=*/true)));
  // Both arrive while "first" is held (the server reads them ahead, up to its limit, and
  // must not take them for a departure); once it is released all three are answered.
  probe_->Release();
  std::string all = s.ReadAll();
  EXPECT_EQ(RawSocket::Count(all, "HTTP/1.1 200"), 3) << all.substr(0, 2000);
  size_t first = all.find(R"("first")");
  size_t second = all.find(R"("second")");
  size_t size = all.find("\"" + std::to_string(big.size()) + "\"");
  ASSERT_NE(first, std::string::npos) << all;
  ASSERT_NE(second, std::string::npos) << all;
  ASSERT_NE(size, std::string::npos) << all;
  EXPECT_LT(first, second);
  EXPECT_LT(second, size);
  EXPECT_EQ(probe_->cancels(), 0u);
  auto calls = probe_->calls();
  ASSERT_GE(calls.size(), 1u);
  EXPECT_EQ(calls[0].method, "Hold");
  EXPECT_FALSE(calls[0].cancelled);
}

TEST_F(HttpCancelTest, ServerStreamStopsWhenTheClientLeaves) {
  RawSocket s(port_);
  ASSERT_TRUE(s.Send(Post("/test.v1.Slow/Ticks", R"("go")")));
  std::string head = s.ReadUntil("\"3\"");
  ASSERT_NE(head.find("application/x-ndjson"), std::string::npos) << head;
  s.Close();
  EXPECT_TRUE(probe_->WaitCancelled(1, 1s)) << "the stream's Context was not cancelled";
  ASSERT_TRUE(probe_->WaitReturned(1, 2s)) << "the stream did not stop";
  auto calls = probe_->calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_TRUE(calls[0].cancelled);
  EXPECT_EQ(calls[0].code, StatusCode::kCancelled);
  EXPECT_EQ(calls[0].message, "client went away");
}

TEST_F(HttpCancelTest, IdleServerStreamSeesTheClientLeave) {
  RawSocket s(port_);
  ASSERT_TRUE(s.Send(Post("/test.v1.Slow/Ticks", R"("idle")")));
  s.ReadUntil("\"3\"");
  s.Close();  // while the handler writes nothing
  EXPECT_TRUE(probe_->WaitCancelled(1, 1s)) << "the stream's Context was not cancelled";
  ASSERT_TRUE(probe_->WaitReturned(1, 2s));
  auto calls = probe_->calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_TRUE(calls[0].cancelled);
  EXPECT_EQ(calls[0].code, StatusCode::kCancelled);
}

// The same at the HTTP server's own level: a long poll that keeps its Responder learns
// from Request::context that its client is gone, and answering afterwards is harmless.
TEST(HttpServerCancelTest, LongPollSeesItsClientLeave) {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<http::Responder> parked;
  bool cancelled = false;
  http::Router router;
  router.Add("GET", "/poll", [&](http::Request req, http::Responder respond) {
    req.context.OnCancel([&] {
      std::lock_guard lock(mu);
      cancelled = true;
      cv.notify_all();
    });
    std::lock_guard lock(mu);
    parked = std::move(respond);
    cv.notify_all();
  });
  router.Add("GET", "/hello", [](http::Request req, http::Responder respond) {
    respond(http::Response::Text(200, req.context.cancelled() ? "cancelled" : "hello"));
  });
  http::HttpServer server(router, {.threads = 1});
  ASSERT_TRUE(server.Listen("127.0.0.1", 0).ok());
  {
    RawSocket s(server.port());
    ASSERT_TRUE(s.Send("GET /poll HTTP/1.1\r\nHost: x\r\n\r\n"));
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, 5s, [&] { return parked.has_value(); }));
  }  // the client closes
  {
    std::unique_lock lock(mu);
    EXPECT_TRUE(cv.wait_for(lock, 1s, [&] { return cancelled; }));
  }
  (*parked)(http::Response::Text(200, "too late"));  // dropped quietly
  http::HttpClient client;
  auto r = client.Get("127.0.0.1:" + std::to_string(server.port()), "/hello", 5s);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body, "hello");
  server.Shutdown(Clock::now() + 2s);
}

}  // namespace
}  // namespace micro::transport

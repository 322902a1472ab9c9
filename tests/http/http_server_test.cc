// HttpServer + HttpClient: routing, JSON errors, limits, keep-alive, long polls, streams,
// malformed input, timeouts and shutdown.
#include <micro/http/http.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "http/raw_socket.h"
#include "support/wait.h"

namespace micro::http {
namespace {

using namespace std::chrono_literals;
using micro::testing::RawListener;
using micro::testing::RawSocket;
using micro::testing::WaitFor;

// Keeps the Responder of a long-poll request until the test answers it.
class Parked {
 public:
  void Park(Responder r) {
    std::lock_guard lock(mu_);
    responder_ = std::move(r);
    ++count_;
  }
  bool WaitParked(int n = 1) {
    return WaitFor([&] {
      std::lock_guard lock(mu_);
      return count_ >= n;
    });
  }
  Responder Take() {
    std::lock_guard lock(mu_);
    Responder r = std::move(responder_);
    responder_ = nullptr;
    return r;
  }

 private:
  std::mutex mu_;
  Responder responder_;
  int count_ = 0;
};

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add("GET", "/hello",
                [](Request, Responder respond) { respond(Response::Text(200, "hello")); });
    router_.Add("POST", "/echo", [](Request req, Responder respond) {
      Response r = Response::Text(200, req.body);
      r.headers.emplace_back("x-got-header", req.Header("X-Test"));
      respond(std::move(r));
    });
    router_.Add("GET", "/query", [](Request req, Responder respond) {
      nlohmann::json q = req.query;
      q["_path"] = req.path;
      respond(Response::Json(200, q.dump()));
    });
    router_.Add("GET", "/peer",
                [](Request req, Responder respond) { respond(Response::Text(200, req.peer)); });
    router_.Add("GET", "/park", [this](Request, Responder respond) { parked_.Park(respond); });
    router_.Add("GET", "/drop", [](Request, Responder) {});
    router_.Add("GET", "/throw",
                [](Request, Responder) -> void { throw std::runtime_error("boom"); });
    router_.AddStream("GET", "/stream", [](Request, std::shared_ptr<ChunkWriter> w) {
      std::thread([w] {
        for (std::string line : {"a\n", "b\n", "c\n"}) w->Write(line);
        w->Close();
      }).detach();
    });
    router_.Add("GET", "/chunked", [](Request, Responder respond) {
      auto writer = NewChunkWriter();
      writer->Write("early\n");  // before the head went out
      respond(Response::Chunked(200, "text/plain", writer));
      std::thread([writer] {
        writer->Write("late\n");
        writer->Close();
      }).detach();
    });
  }

  void Start(ServerOptions options = {}) {
    server_.emplace(router_, options);
    ASSERT_TRUE(server_->Listen("127.0.0.1", 0).ok());
    addr_ = "127.0.0.1:" + std::to_string(server_->port());
  }

  void TearDown() override {
    if (server_) server_->Shutdown(std::chrono::steady_clock::now() + 2s);
  }

  Router router_;
  Parked parked_;
  std::optional<HttpServer> server_;
  std::string addr_;
  HttpClient client_;
};

TEST_F(HttpServerTest, RoutesAnExactPath) {
  Start();
  auto r = client_.Get(addr_, "/hello", 2s);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello");
  EXPECT_EQ(r->Header("Content-Type"), "text/plain; charset=utf-8");
}

TEST_F(HttpServerTest, PassesBodyAndHeadersThrough) {
  Start();
  auto r = client_.Do(addr_, "POST", "/echo", "payload", {{"x-test", "yes"}}, 2s);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body, "payload");
  EXPECT_EQ(r->Header("x-got-header"), "yes");
}

TEST_F(HttpServerTest, DecodesTheQuery) {
  Start();
  auto r = client_.Get(addr_, "/query?name=a%20b&x=1+2&flag&x=ignored", 2s);
  ASSERT_TRUE(r.ok()) << r.status();
  auto j = nlohmann::json::parse(r->body);
  EXPECT_EQ(j["_path"], "/query");
  EXPECT_EQ(j["name"], "a b");
  EXPECT_EQ(j["x"], "1 2");
  EXPECT_EQ(j["flag"], "");
}

TEST_F(HttpServerTest, UnknownPathIsJson404) {
  Start();
  auto r = client_.Get(addr_, "/x", 2s);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->Header("content-type"), "application/json");
  auto j = nlohmann::json::parse(r->body);
  EXPECT_EQ(j["code"], "NOT_FOUND");
  EXPECT_EQ(j["message"], "no route for GET /x");
  EXPECT_FALSE(j["request_id"].get<std::string>().empty());
  EXPECT_EQ(r->Header("x-request-id"), j["request_id"]);
}

TEST_F(HttpServerTest, ErrorEchoesTheCallersRequestId) {
  Start();
  auto r = client_.Do(addr_, "GET", "/x", "", {{"x-request-id", "req-42"}}, 2s);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(nlohmann::json::parse(r->body)["request_id"], "req-42");
}

TEST_F(HttpServerTest, WrongMethodIs405) {
  Start();
  auto r = client_.Post(addr_, "/hello", "{}", 2s);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 405);
  auto j = nlohmann::json::parse(r->body);
  EXPECT_EQ(j["code"], "UNIMPLEMENTED");
}

TEST_F(HttpServerTest, FallbackTakesUnmatchedRequests) {
  router_.SetFallback([](Request req, Responder respond) {
    respond(Response::Text(200, "fallback " + req.method + " " + req.path));
  });
  Start();
  auto r = client_.Post(addr_, "/Svc/Method", "{}", 2s);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body, "fallback POST /Svc/Method");
}

TEST_F(HttpServerTest, BodyOverTheLimitIs413AndServerKeepsServing) {
  Start({.max_body_bytes = 1024});
  auto r = client_.Post(addr_, "/echo", std::string(4096, 'x'), 2s);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(nlohmann::json::parse(r->body)["code"], "RESOURCE_EXHAUSTED");
  auto ok = client_.Post(addr_, "/echo", std::string(1000, 'y'), 2s);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body.size(), 1000u);
}

TEST_F(HttpServerTest, HeadOverTheLimitIs431) {
  Start({.max_header_bytes = 1024});
  auto r = client_.Do(addr_, "GET", "/hello", "", {{"x-big", std::string(4096, 'h')}}, 2s);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 431);
}

TEST_F(HttpServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  Start();
  auto first = client_.Get(addr_, "/peer", 2s);
  auto second = client_.Get(addr_, "/peer", 2s);
  ASSERT_TRUE(first.ok() && second.ok());
  // The server saw the same client port twice: one connection.
  EXPECT_EQ(first->body, second->body);
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  Start();
  RawSocket s(server_->port());
  ASSERT_TRUE(s.connected());
  ASSERT_TRUE(
      s.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
             "GET /query?n=2 HTTP/1.1\r\nHost: x\r\n\r\n"
             "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  std::string all = s.ReadAll();
  size_t first = all.find("hello");
  size_t second = all.find("\"n\":\"2\"");
  size_t third = all.find("hello", second);
  EXPECT_EQ(RawSocket::Count(all, "HTTP/1.1 200"), 3) << all;
  EXPECT_LT(first, second);
  EXPECT_NE(third, std::string::npos);
}

TEST_F(HttpServerTest, ResponderAnswersLaterFromAnotherThread) {
  Start();
  std::optional<Result<ClientResponse>> result;
  std::thread caller([&] { result.emplace(client_.Get(addr_, "/park", 5s)); });
  ASSERT_TRUE(parked_.WaitParked());
  Responder respond = parked_.Take();
  std::thread([respond] { respond(Response::Text(200, "late answer")); }).join();
  caller.join();
  ASSERT_TRUE(result->ok()) << result->status();
  EXPECT_EQ((*result)->body, "late answer");
  // The connection goes on serving.
  auto again = client_.Get(addr_, "/hello", 2s);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->body, "hello");
}

TEST_F(HttpServerTest, SecondAnswerIsIgnored) {
  Start();
  std::optional<Result<ClientResponse>> result;
  std::thread caller([&] { result.emplace(client_.Get(addr_, "/park", 5s)); });
  ASSERT_TRUE(parked_.WaitParked());
  Responder respond = parked_.Take();
  respond(Response::Text(200, "first"));
  respond(Response::Text(500, "second"));
  caller.join();
  ASSERT_TRUE(result->ok());
  EXPECT_EQ((*result)->body, "first");
  auto next = client_.Get(addr_, "/hello", 2s);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->body, "hello");
}

TEST_F(HttpServerTest, DroppedResponderAnswers500) {
  Start();
  auto r = client_.Get(addr_, "/drop", 2s);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(nlohmann::json::parse(r->body)["code"], "INTERNAL");
}

TEST_F(HttpServerTest, ThrowingHandlerAnswers500) {
  Start();
  auto r = client_.Get(addr_, "/throw", 2s);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 500);
  EXPECT_NE(r->body.find("boom"), std::string::npos);
}

TEST_F(HttpServerTest, StreamRouteSendsChunks) {
  Start();
  auto r = client_.Get(addr_, "/stream", 5s);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("transfer-encoding"), "chunked");
  EXPECT_EQ(r->Header("content-type"), "application/x-ndjson");
  EXPECT_EQ(r->body, "a\nb\nc\n");
  auto again = client_.Get(addr_, "/peer", 2s);  // same connection still usable
  ASSERT_TRUE(again.ok());
}

TEST_F(HttpServerTest, StreamWriterLearnsThePeerLeft) {
  auto write_failed = std::make_shared<std::atomic<bool>>(false);
  router_.AddStream("GET", "/endless", [write_failed](Request, std::shared_ptr<ChunkWriter> w) {
    std::thread([w, write_failed] {
      std::string chunk(16 << 10, 'x');
      auto give_up = std::chrono::steady_clock::now() + 20s;
      while (std::chrono::steady_clock::now() < give_up) {
        if (!w->Write(chunk)) {
          *write_failed = true;
          return;
        }
      }
    }).detach();
  });
  Start();
  {
    RawSocket s(server_->port());
    ASSERT_TRUE(s.Send("GET /endless HTTP/1.1\r\nHost: x\r\n\r\n"));
    EXPECT_NE(s.ReadUntil("chunked").find("200"), std::string::npos);
  }  // the client goes away mid-stream
  EXPECT_TRUE(WaitFor([&] { return write_failed->load(); }));
}

TEST_F(HttpServerTest, ChunkedResponseKeepsWritesMadeBeforeTheHead) {
  Start();
  auto r = client_.Get(addr_, "/chunked", 5s);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->Header("content-type"), "text/plain");
  EXPECT_EQ(r->body, "early\nlate\n");
}

TEST_F(HttpServerTest, MalformedRequestGets400AndServerKeepsServing) {
  Start();
  {
    RawSocket s(server_->port());
    ASSERT_TRUE(s.connected());
    ASSERT_TRUE(s.Send("GET / HTTP/1.1\r\nBad Header Without Colon\r\n\r\n"));
    std::string answer = s.ReadAll();  // the server closes after answering
    EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << answer;
    EXPECT_NE(answer.find("INVALID_ARGUMENT"), std::string::npos);
  }
  {
    RawSocket s(server_->port());
    ASSERT_TRUE(s.Send("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n"));
    EXPECT_EQ(s.ReadAll().rfind("HTTP/1.1 400", 0), 0u);
  }
  auto r = client_.Get(addr_, "/hello", 2s);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body, "hello");
}

TEST_F(HttpServerTest, IdleConnectionsClose) {
  Start({.idle_timeout = 1s});
  RawSocket s(server_->port(), 5s);
  ASSERT_TRUE(s.connected());
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(s.ReadAll(), "");  // returns when the server closes
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
}

TEST_F(HttpServerTest, ClientTimeoutIsDeadlineExceeded) {
  Start();
  auto start = std::chrono::steady_clock::now();
  auto r = client_.Get(addr_, "/park", 200ms);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded) << r.status();
  EXPECT_NE(r.status().message().find(addr_), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  // Answering into the closed connection is harmless.
  ASSERT_TRUE(parked_.WaitParked());
  parked_.Take()(Response::Text(200, "too late"));
  auto next = client_.Get(addr_, "/hello", 2s);
  ASSERT_TRUE(next.ok()) << next.status();
}

TEST_F(HttpServerTest, ShutdownEndsLongPollsAtTheDeadline) {
  Start({.threads = 2});
  std::optional<Result<ClientResponse>> result;
  std::thread caller([&] { result.emplace(client_.Get(addr_, "/park", 10s)); });
  ASSERT_TRUE(parked_.WaitParked());
  auto start = std::chrono::steady_clock::now();
  server_->Shutdown(start + 300ms);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  caller.join();
  EXPECT_FALSE(result->ok());
  // A responder used after the server is gone is dropped quietly.
  parked_.Take()(Response::Text(200, "nobody listens"));
  auto refused = client_.Get(addr_, "/hello", 1s);
  EXPECT_FALSE(refused.ok());
}

TEST_F(HttpServerTest, ShutdownLetsAResponseInProgressFinish) {
  Start();
  std::optional<Result<ClientResponse>> result;
  std::thread caller([&] { result.emplace(client_.Get(addr_, "/park", 10s)); });
  ASSERT_TRUE(parked_.WaitParked());
  std::thread answer([&] {
    std::this_thread::sleep_for(100ms);  // the answer comes while Shutdown waits
    parked_.Take()(Response::Text(200, "finished"));
  });
  server_->Shutdown(std::chrono::steady_clock::now() + 5s);
  answer.join();
  caller.join();
  ASSERT_TRUE(result->ok()) << result->status();
  EXPECT_EQ((*result)->body, "finished");
}

TEST(HttpClientTest, RefusedConnectionIsUnavailableAndFast) {
  uint16_t port;
  {
    RawListener l;  // a port that was just free and now has no listener
    port = l.port();
  }
  HttpClient client;
  auto start = std::chrono::steady_clock::now();
  auto r = client.Get("127.0.0.1:" + std::to_string(port), "/", 5s);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status();
  EXPECT_NE(r.status().message().find("127.0.0.1:" + std::to_string(port)), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
}

TEST(HttpClientTest, BadAddressIsInvalidArgument) {
  HttpClient client;
  auto r = client.Get("no-port-here", "/", 1s);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

// A peer that answers one request per connection with keep-alive, then hangs up: the
// pooled connection is dead when the client next uses it.
TEST(HttpClientTest, ReplacesAPooledConnectionThePeerClosed) {
  RawListener listener;
  std::atomic<int> connections{0};
  std::thread peer([&] {
    for (int i = 0; i < 2; ++i) {
      int fd = listener.Accept();
      if (fd < 0) return;
      ++connections;
      char buf[4096];
      std::string got;
      while (got.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
        if (n <= 0) break;
        got.append(buf, static_cast<size_t>(n));
      }
      std::string reply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
      ::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);
      ::close(fd);
    }
  });
  HttpClient client;
  std::string addr = "127.0.0.1:" + std::to_string(listener.port());
  auto first = client.Get(addr, "/", 2s);
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = client.Get(addr, "/", 2s);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->body, "ok");
  peer.join();
  EXPECT_EQ(connections.load(), 2);
}

// Reads one request head from `fd`; false when the peer closed first.
bool ReadRequestHead(int fd) {
  std::string got;
  char c;
  while (got.find("\r\n\r\n") == std::string::npos) {
    if (::recv(fd, &c, 1, 0) <= 0) return false;
    got.push_back(c);
  }
  return true;
}

void SendOk(int fd, const std::string& body) {
  std::string reply =
      "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  ::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);
}

// The peer takes the second request on a kept-alive connection and hangs up without an
// answer (as a server closing an idle connection at that very moment does): the client
// sends it again, once, on a new connection.
TEST(HttpClientTest, RetriesOnceWhenAReusedConnectionClosesUnanswered) {
  RawListener listener;
  std::thread peer([&] {
    int first = listener.Accept();
    ASSERT_TRUE(ReadRequestHead(first));
    SendOk(first, "one");
    ASSERT_TRUE(ReadRequestHead(first));
    ::close(first);  // unanswered
    int second = listener.Accept();
    ASSERT_TRUE(ReadRequestHead(second));
    SendOk(second, "retried");
    ReadRequestHead(second);  // until the client goes
    ::close(second);
  });
  {
    HttpClient client;
    std::string addr = "127.0.0.1:" + std::to_string(listener.port());
    auto one = client.Get(addr, "/", 2s);
    ASSERT_TRUE(one.ok()) << one.status();
    EXPECT_EQ(one->body, "one");
    auto two = client.Get(addr, "/", 2s);
    ASSERT_TRUE(two.ok()) << two.status();
    EXPECT_EQ(two->body, "retried");
  }  // closing the pooled connection ends the peer
  peer.join();
}

// On a fresh connection the same hang-up is an error: the request may have been processed.
TEST(HttpClientTest, DoesNotRetryOnAFreshConnection) {
  RawListener listener;
  std::atomic<int> accepted{0};
  std::thread peer([&] {
    int fd = listener.Accept();
    ++accepted;
    ReadRequestHead(fd);
    ::close(fd);
  });
  HttpClient client;
  auto r = client.Get("127.0.0.1:" + std::to_string(listener.port()), "/", 2s);
  peer.join();
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status();
  EXPECT_EQ(accepted.load(), 1);
}

TEST(HttpClientTest, ConcurrentCallsShareTheClient) {
  Router router;
  router.Add("GET", "/n",
             [](Request req, Responder respond) { respond(Response::Text(200, req.query["i"])); });
  HttpServer server(router, {.threads = 2});
  ASSERT_TRUE(server.Listen("127.0.0.1", 0).ok());
  std::string addr = "127.0.0.1:" + std::to_string(server.port());
  HttpClient client;
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        std::string want = std::to_string(t * 100 + i);
        auto r = client.Get(addr, "/n?i=" + want, 5s);
        if (r.ok() && r->body == want) ++good;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(good.load(), 200);
  server.Shutdown(std::chrono::steady_clock::now() + 1s);
}

}  // namespace
}  // namespace micro::http

// The blocking HTTP/1.1 client. Each pooled connection carries its own small io_context,
// run by the calling thread for the length of one exchange: no background thread, no
// thread hop, and timeouts come from beast::tcp_stream's per-operation expiry.
#include <micro/http/http.h>

// GCC 12 warns that TSan cannot model the fences inside Asio; they are Asio's, not ours.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wtsan"
#endif

#include <sys/socket.h>

#include <cerrno>
#include <mutex>
#include <unordered_map>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <micro/core/url.h>

#include "http/strings.h"

namespace micro::http {

namespace {

namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr size_t kMaxIdlePerHost = 32;
constexpr size_t kMaxResponseBody = 64 << 20;
constexpr std::uint32_t kMaxResponseHead = 64 << 10;

struct Connection {
  net::io_context ioc{1};
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
};

// Runs the operation started by `start` to completion on the calling thread.
template <typename Start>
beast::error_code RunOp(Connection& c, Start start) {
  beast::error_code result = net::error::would_block;
  c.ioc.restart();
  start([&result](beast::error_code ec, auto&&...) { result = ec; });
  c.ioc.run();
  return result;
}

// A pooled connection the server closed meanwhile reads as EOF (or has stray bytes).
bool StillUsable(Connection& c) {
  if (!c.stream.socket().is_open() || c.buffer.size() != 0) return false;
  char byte;
  ssize_t n = ::recv(c.stream.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

// The peer closed a connection before answering: the request was not processed.
bool IsClosedBeforeAnswer(const beast::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == net::error::eof ||
         ec == net::error::connection_reset || ec == net::error::broken_pipe ||
         ec == bhttp::error::partial_message;
}

std::string Millis(std::chrono::milliseconds t) { return std::to_string(t.count()) + "ms"; }

}  // namespace

class HttpClient::Impl {
 public:
  Result<ClientResponse> Do(const std::string& host_port, const std::string& method,
                            const std::string& target, const std::string& body,
                            const Headers& headers, std::chrono::milliseconds timeout) {
    auto deadline = timeout.count() > 0 ? std::chrono::steady_clock::now() + timeout
                                        : std::chrono::steady_clock::time_point::max();
    std::string what = method + " http://" + host_port + target;

    std::unique_ptr<Connection> conn = TakeIdle(host_port);
    bool reused = conn != nullptr;
    for (int attempt = 0;; ++attempt) {
      if (!conn) {
        auto fresh = Connect(host_port, deadline, timeout);
        if (!fresh.ok()) return fresh.status();
        conn = std::move(*fresh);
      }
      bool retryable = false;
      bool keep = false;
      Result<ClientResponse> r = Exchange(*conn, host_port, method, target, body, headers, deadline,
                                          timeout, what, &retryable, &keep);
      if (r.ok()) {
        if (keep) GiveBack(host_port, std::move(conn));
        return r;
      }
      conn.reset();
      if (!(reused && attempt == 0 && retryable)) return r;
      reused = false;  // once, on a fresh connection
    }
  }

 private:
  Result<std::unique_ptr<Connection>> Connect(const std::string& host_port,
                                              std::chrono::steady_clock::time_point deadline,
                                              std::chrono::milliseconds timeout) {
    auto hp = ParseHostPort(host_port);
    if (!hp.ok()) {
      return Status::InvalidArgument("bad address \"" + host_port + "\": " + hp.status().message());
    }
    auto conn = std::make_unique<Connection>();
    beast::error_code ec;
    std::vector<tcp::endpoint> endpoints;
    net::ip::address addr = net::ip::make_address(hp->host, ec);
    if (!ec) {
      endpoints.emplace_back(addr, hp->port);
    } else {
      tcp::resolver resolver(conn->ioc);
      auto results = resolver.resolve(hp->host, std::to_string(hp->port), ec);
      if (ec) {
        return Status::Unavailable("connect to " + host_port + ": cannot resolve: " + ec.message());
      }
      for (const auto& entry : results) endpoints.push_back(entry.endpoint());
    }
    conn->stream.expires_at(deadline);
    ec = RunOp(*conn, [&](auto handler) { conn->stream.async_connect(endpoints, handler); });
    if (ec == beast::error::timeout) {
      return Status::DeadlineExceeded("connect to " + host_port + ": timed out after " +
                                      Millis(timeout));
    }
    if (ec) return Status::Unavailable("connect to " + host_port + ": " + ec.message());
    beast::error_code ignored;
    conn->stream.socket().set_option(tcp::no_delay(true), ignored);
    return conn;
  }

  Result<ClientResponse> Exchange(Connection& conn, const std::string& host_port,
                                  const std::string& method, const std::string& target,
                                  const std::string& body, const Headers& headers,
                                  std::chrono::steady_clock::time_point deadline,
                                  std::chrono::milliseconds timeout, const std::string& what,
                                  bool* retryable, bool* keep) {
    bhttp::request<bhttp::string_body> req;
    req.version(11);
    bhttp::verb verb = bhttp::string_to_verb(method);
    if (verb == bhttp::verb::unknown) {
      req.method_string(method);
    } else {
      req.method(verb);
    }
    req.target(target);
    req.set(bhttp::field::host, host_port);
    req.set(bhttp::field::user_agent, "micro-cpp");
    for (const auto& [name, value] : headers) {
      if (EqualsIgnoreCase(name, "content-length") || EqualsIgnoreCase(name, "host")) continue;
      req.insert(name, value);
    }
    req.body() = body;
    req.prepare_payload();
    req.keep_alive(true);

    auto fail = [&](const beast::error_code& ec, const char* stage) -> Status {
      if (ec == beast::error::timeout) {
        return Status::DeadlineExceeded(what + ": timed out after " + Millis(timeout));
      }
      return Status::Unavailable(what + ": " + stage + ": " + ec.message());
    };

    conn.stream.expires_at(deadline);
    beast::error_code ec =
        RunOp(conn, [&](auto handler) { bhttp::async_write(conn.stream, req, handler); });
    if (ec) {
      *retryable = IsClosedBeforeAnswer(ec);
      return fail(ec, "write");
    }
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(kMaxResponseBody);
    parser.header_limit(kMaxResponseHead);
    if (verb == bhttp::verb::head) parser.skip(true);
    conn.stream.expires_at(deadline);
    ec = RunOp(conn,
               [&](auto handler) { bhttp::async_read(conn.stream, conn.buffer, parser, handler); });
    if (ec) {
      *retryable = !parser.got_some() && IsClosedBeforeAnswer(ec);
      return fail(ec, "read");
    }
    auto res = parser.release();
    *keep = res.keep_alive();
    ClientResponse out;
    out.status = static_cast<int>(res.result_int());
    for (const auto& field : res) {
      out.headers.emplace_back(ToLowerAscii(Sv(field.name_string())), std::string(field.value()));
    }
    out.body = std::move(res.body());
    return out;
  }

  std::unique_ptr<Connection> TakeIdle(const std::string& host_port) {
    std::vector<std::unique_ptr<Connection>> stale;  // closed outside the lock
    std::lock_guard lock(mu_);
    auto it = idle_.find(host_port);
    if (it == idle_.end()) return nullptr;
    auto& list = it->second;
    while (!list.empty()) {
      std::unique_ptr<Connection> c = std::move(list.back());
      list.pop_back();
      if (StillUsable(*c)) return c;
      stale.push_back(std::move(c));
    }
    return nullptr;
  }

  void GiveBack(const std::string& host_port, std::unique_ptr<Connection> conn) {
    std::lock_guard lock(mu_);
    auto& list = idle_[host_port];
    if (list.size() < kMaxIdlePerHost) list.push_back(std::move(conn));
  }

  std::mutex mu_;
  std::unordered_map<std::string, std::vector<std::unique_ptr<Connection>>> idle_;
};

HttpClient::HttpClient() : impl_(std::make_unique<Impl>()) {}
HttpClient::~HttpClient() = default;

Result<ClientResponse> HttpClient::Do(const std::string& host_port, const std::string& method,
                                      const std::string& target, const std::string& body,
                                      const Headers& headers, std::chrono::milliseconds timeout) {
  return impl_->Do(host_port, method, target, body, headers, timeout);
}

}  // namespace micro::http

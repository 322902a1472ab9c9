// The project's one HTTP/1.1 server and one HTTP/1.1 client (Boost.Beast underneath; none
// of it leaks here). Used by the HTTP/JSON transport, the platform's APIs, the registry's
// platform:// plugin and the CLI.
//
//   micro::http::Router router;
//   router.Add("GET", "/health/live", [](micro::http::Request req, micro::http::Responder res) {
//     res(micro::http::Response::Json(200, R"({"status":"ok"})"));
//   });
//   micro::http::HttpServer server(router, {.threads = 2});
//   server.Listen("127.0.0.1", 0);   // server.port() tells the port
//
//   micro::http::HttpClient client;
//   auto r = client.Post("127.0.0.1:8500", "/registry/register", body, std::chrono::seconds(2));
//   if (r.ok() && r->status == 200) Use(r->body);
//
// Threads: handlers run on the server's io threads and must never block (hand blocking
// work to a pool and answer through the Responder later, from any thread). Router::Add*
// only before Listen(). HttpServer::Listen/Shutdown from the owning thread. HttpClient is
// fully thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <micro/core/context.h>
#include <micro/core/result.h>

namespace micro::http {

using Headers = std::vector<std::pair<std::string, std::string>>;  // names lower-case

// Percent-encoding for URL path segments and query values: everything but the RFC 3986
// unreserved characters [A-Za-z0-9-._~] becomes %XX.
std::string PercentEncode(std::string_view text);
// Decodes %XX escapes ('+' as a space when `plus_is_space`, as in query strings);
// false on a malformed escape.
bool PercentDecode(std::string_view in, bool plus_is_space, std::string* out);

struct Request {
  std::string method;                        // "GET", "POST", ...
  std::string target;                        // path with query, as sent
  std::string path;                          // without the query
  std::map<std::string, std::string> query;  // decoded
  Headers headers;
  std::string body;
  std::string peer;  // "ip:port"
  // Cancelled by the server when the connection ends before the response is complete: the
  // client closed it (EOF on its read side, as after a half-close) or it broke, timed out
  // or was closed at shutdown. Copies share the cancellation (Cancel, cancelled and
  // OnCancel are thread-safe), so a handler can hand it to its worker, poll it or make it
  // the call's Context. Only the cancellation is set: no deadline, metadata or peer.
  // The server cancels it on an io thread, so OnCancel callbacks must not block.
  Context context;

  // First value of a header (case-insensitive name), or "".
  std::string Header(std::string_view name) const;
};

// For a response sent in pieces (NDJSON streams): Write() each chunk, then Close().
// Thread-safe; Write may be called from any thread, before or after the response head went
// out. Write never blocks on an io thread; elsewhere it waits while more than ~1 MiB is
// queued for a slow peer (back-pressure). Dropping the last reference closes the stream.
class ChunkWriter {
 public:
  virtual ~ChunkWriter() = default;
  virtual bool Write(std::string chunk) = 0;  // false when the peer is gone
  virtual void Close() = 0;
};

// A writer for Response::Chunked (the only kind of writer the server accepts there).
std::shared_ptr<ChunkWriter> NewChunkWriter();

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  // Set by Chunked(): the body is what is written to it, sent with chunked encoding.
  std::shared_ptr<ChunkWriter> stream;

  static Response Json(int status, std::string body);
  static Response Text(int status, std::string body);
  // {"code":"NOT_FOUND","message":"...","request_id":"..."} with the mapped HTTP status.
  static Response Error(const Status& status, const std::string& request_id = "");
  // A response whose body follows in pieces: `writer` comes from NewChunkWriter().
  static Response Chunked(int status, std::string content_type,
                          std::shared_ptr<ChunkWriter> writer);
};

// Sends the response of one request; callable once, from any thread, at any time
// (a long-poll handler keeps it and answers later). Later calls are ignored; if the
// connection is gone by then the response is dropped. If every copy is destroyed without
// a call, the client gets a 500.
using Responder = std::function<void(Response)>;

// A fresh request id (16 hex digits) for requests that came without `x-request-id`.
std::string NewRequestId();

using Handler = std::function<void(Request, Responder)>;
// Streaming handlers get the response head written with `status` and `content_type`,
// chunked; they own the writer until Close().
using StreamHandler = std::function<void(Request, std::shared_ptr<ChunkWriter>)>;

// Exact-path routes plus one prefix fallback. Thread-safe after the server starts
// (routes are read-only then).
class Router {
 public:
  void Add(const std::string& method, const std::string& path, Handler handler);
  // Any method/path not matched by Add() routes here (e.g. the RPC transport's
  // "POST /<Service>/<Method>"). Without it, unmatched requests get a JSON 404.
  void SetFallback(Handler handler);
  // Handlers for paths that answer with a chunked stream: the head (200, `content_type`,
  // chunked) is sent at once and the handler owns the writer until Close().
  void AddStream(const std::string& method, const std::string& path, StreamHandler handler,
                 const std::string& content_type = "application/x-ndjson");

  struct Match {
    const Handler* handler = nullptr;
    const StreamHandler* stream = nullptr;
    const std::string* content_type = nullptr;  // of a stream route
    bool method_not_allowed = false;
  };
  Match Find(const std::string& method, const std::string& path) const;

 private:
  std::map<std::pair<std::string, std::string>, Handler> routes_;
  std::map<std::pair<std::string, std::string>, std::pair<StreamHandler, std::string>>
      stream_routes_;
  std::set<std::string> paths_;  // paths with any route: 405 rather than 404
  Handler fallback_;
};

struct ServerOptions {
  size_t threads = 1;                     // Asio io threads
  size_t max_body_bytes = 4 << 20;        // larger bodies get 413 + JSON error
  std::chrono::seconds idle_timeout{60};  // keep-alive connections idle this long close
  size_t max_header_bytes = 64 << 10;     // larger request heads get 431 and a close
};

class HttpServer {
 public:
  HttpServer(const Router& router, ServerOptions options = {});
  ~HttpServer();
  // Binds and starts serving; port 0 picks a free port.
  Status Listen(const std::string& host, uint16_t port);
  uint16_t port() const;
  // Stops accepting, waits until `deadline` for responses in progress, closes the rest and
  // joins the io threads. Idempotent; the destructor calls it with an immediate deadline.
  // Not from an io thread (it joins them).
  void Shutdown(std::chrono::steady_clock::time_point deadline);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

struct ClientResponse {
  int status = 0;
  Headers headers;
  std::string body;
  std::string Header(std::string_view name) const;
};

// A blocking client with a keep-alive connection pool per host. Thread-safe.
// Connection failures and timeouts come back as UNAVAILABLE / DEADLINE_EXCEEDED with a
// message naming the address; any HTTP status is a successful Result. A request sent on a
// pooled connection the server had closed meanwhile is retried once on a new connection.
// `timeout` bounds the whole exchange (connect, write, read). It blocks the calling
// thread, so never call it from an io thread.
class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  Result<ClientResponse> Do(const std::string& host_port, const std::string& method,
                            const std::string& target, const std::string& body,
                            const Headers& headers, std::chrono::milliseconds timeout);
  Result<ClientResponse> Get(const std::string& host_port, const std::string& target,
                             std::chrono::milliseconds timeout) {
    return Do(host_port, "GET", target, "", {}, timeout);
  }
  Result<ClientResponse> Post(const std::string& host_port, const std::string& target,
                              const std::string& body, std::chrono::milliseconds timeout) {
    return Do(host_port, "POST", target, body, {{"content-type", "application/json"}}, timeout);
  }

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace micro::http

// The HTTP/1.1 server: Asio io threads, one strand per connection, one request at a time
// per connection (so pipelined requests are answered in order), keep-alive with an idle
// timeout.
//
// Client gone: while a request is handled (and while a streamed response is written) the
// connection keeps one read outstanding, so that it learns when the client leaves. Bytes it
// reads are the next pipelined request: they stay in the session's buffer for the parser.
// EOF or an error there cancels the request's Context (Request::context); the connection
// closes once the response is done (at once after an error: nothing can be written).
//
// Lifetimes: Core owns the io_context and every live Session. Responders and chunk
// writers hold only weak references, so a handler that keeps a Responder after the server
// is gone answers into the void. Posting to a session happens under Core::mu and only
// while the io threads run (`stopped` is false), so nothing is queued on a dead server.
#include <micro/http/http.h>

// GCC 12 warns that TSan cannot model the fences inside Asio; they are Asio's, not ours.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wtsan"
#endif

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>

#include "http/chunk_stream.h"
#include "http/parse.h"
#include "http/strings.h"

namespace micro::http {

namespace {

namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

// How long a connection closing after an error keeps reading (and discarding) what the
// client still sends, so that the client reads our answer instead of a reset.
constexpr std::chrono::seconds kLingerTime{1};

// While a request is handled, pipelined bytes are read ahead up to this much; past it the
// connection stops watching for the client to leave (the rest waits in the kernel).
constexpr size_t kMaxReadAhead = 64 << 10;
constexpr size_t kReadAheadChunk = 4096;

std::string FormatEndpoint(const tcp::endpoint& ep) {
  auto addr = ep.address();
  std::string host = addr.to_string();
  if (addr.is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(ep.port());
}

bool IsFramingHeader(std::string_view name) {
  return EqualsIgnoreCase(name, "content-length") || EqualsIgnoreCase(name, "transfer-encoding") ||
         EqualsIgnoreCase(name, "connection");
}

class Session;

struct Core : std::enable_shared_from_this<Core> {
  Core(const Router& r, const ServerOptions& o)
      : router(r), options(o), limits{o.max_body_bytes, o.max_header_bytes} {}

  // Declared first so that it is destroyed last: sessions and the acceptor use it.
  net::io_context ioc;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::optional<tcp::acceptor> acceptor;
  std::optional<net::steady_timer> accept_backoff;
  const Router& router;
  ServerOptions options;
  internal::ParseLimits limits;
  std::atomic<bool> draining{false};

  std::mutex mu;
  std::condition_variable cv;
  bool stopped = false;  // io threads are gone: nothing may be posted any more
  std::unordered_map<Session*, std::shared_ptr<Session>> sessions;

  void DoAccept();
  void OnAccept(beast::error_code ec, tcp::socket socket);
  void Remove(Session* s) {
    std::lock_guard lock(mu);
    sessions.erase(s);
    cv.notify_all();
  }
  // Runs fn(session) on the session's strand, if the session and the server still run.
  template <typename F>
  bool PostTo(const std::weak_ptr<Session>& weak, F fn);
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Core* core, tcp::socket&& socket)
      : core_(core), executor_(socket.get_executor()), stream_(std::move(socket)) {
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) peer_ = FormatEndpoint(ep);
  }

  const net::any_io_executor& executor() const { return executor_; }

  void Start() {
    net::dispatch(executor_, [self = shared_from_this()] { self->DoRead(); });
  }

  // Shutdown, phase 1: a connection waiting for its next request closes now; one in the
  // middle of a request finishes it and closes after the response.
  void Drain() {
    if (state_ == State::kReading && buffer_.size() == 0 && parser_ && !parser_->got_some()) {
      Close();
    }
  }

  void Close() {
    if (state_ == State::kClosed) return;
    state_ = State::kClosed;
    if (chunks_) chunks_->Fail();
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
    // A response still in the making can no longer reach the client.
    CancelRequest();
    core_->Remove(this);
  }

  // The answer to request number `seq`, from a Responder.
  void Deliver(uint64_t seq, Response response) {
    if (state_ != State::kHandling || seq != seq_) {
      if (auto* h = dynamic_cast<internal::ChunkWriterHandle*>(response.stream.get())) {
        h->stream()->Fail();
      }
      return;
    }
    WriteResponse(std::move(response));
  }

  // More chunks (or the end) are ready in a streamed response.
  void Pump() {
    if (state_ != State::kStreaming || chunk_writing_ || !chunks_bound_) return;
    std::string chunk;
    switch (chunks_->Take(&chunk)) {
      case internal::ChunkStream::Next::kIdle:
        return;
      case internal::ChunkStream::Next::kChunk:
        chunk_writing_ = true;
        current_chunk_ = std::move(chunk);
        stream_.expires_after(core_->options.idle_timeout);
        net::async_write(stream_, bhttp::make_chunk(net::buffer(current_chunk_)),
                         [self = shared_from_this()](beast::error_code ec, size_t) {
                           self->OnChunkWritten(ec);
                         });
        return;
      case internal::ChunkStream::Next::kEnd:
        chunk_writing_ = true;
        stream_.expires_after(core_->options.idle_timeout);
        net::async_write(
            stream_, bhttp::make_chunk_last(),
            [self = shared_from_this()](beast::error_code ec, size_t) { self->OnStreamEnded(ec); });
        return;
    }
  }

 private:
  enum class State { kReading, kHandling, kWriting, kStreaming, kClosing, kClosed };

  void DoRead() {
    if (state_ == State::kClosed) return;
    // The watch's read fills buffer_: the parser may use it only once that read is over.
    if (watching_) {
      read_after_watch_ = true;
      return;
    }
    if (core_->draining.load()) return CloseIdle();
    state_ = State::kReading;
    parser_.emplace();
    internal::ApplyLimits(*parser_, core_->limits);
    stream_.expires_after(core_->options.idle_timeout);
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (state_ == State::kClosed) return;
    if (ec) return OnReadError(ec);
    if (parser_->is_done()) return Dispatch();
    // curl and others wait for "100 Continue" before sending a large body.
    if (EqualsIgnoreCase(Sv(parser_->get()[bhttp::field::expect]), "100-continue")) {
      static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      net::async_write(stream_, net::buffer(kContinue),
                       [self = shared_from_this()](beast::error_code ec, size_t) {
                         if (self->state_ == State::kClosed) return;
                         if (ec) return self->Close();
                         self->ReadBody();
                       });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    stream_.expires_after(core_->options.idle_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                        if (self->state_ == State::kClosed) return;
                        if (ec) return self->OnReadError(ec);
                        self->Dispatch();
                      });
  }

  void OnReadError(beast::error_code ec) {
    std::optional<Response> response = internal::ParseErrorResponse(ec, core_->limits);
    if (!response) return Close();
    // The rest of the stream cannot be trusted: answer and close.
    keep_alive_ = false;
    head_ = false;
    state_ = State::kHandling;
    WriteResponse(std::move(*response));
  }

  void Dispatch() {
    stream_.expires_never();
    state_ = State::kHandling;
    ++seq_;
    keep_alive_ = parser_->get().keep_alive();
    head_ = parser_->get().method() == bhttp::verb::head;
    Request req = internal::ToRequest(parser_->release(), peer_);
    parser_.reset();
    request_ctx_.emplace(req.context);  // a copy shares the cancellation
    // Posted, so that a handler that answered at once (its answer is queued ahead on this
    // strand) costs no read at all.
    net::post(executor_, [self = shared_from_this(), seq = seq_] { self->WatchPeer(seq); });

    Router::Match match = core_->router.Find(req.method, req.path);
    if (match.stream) {
      auto writer = NewChunkWriter();
      WriteResponse(Response::Chunked(200, *match.content_type, writer));
      try {
        (*match.stream)(std::move(req), writer);
      } catch (...) {
        // Past the head there is no status left to change; end the stream.
        writer->Close();
      }
      return;
    }
    std::string request_id = req.Header("x-request-id");
    if (request_id.empty()) request_id = NewRequestId();
    if (match.handler) {
      Responder respond = MakeResponder();
      try {
        (*match.handler)(std::move(req), respond);
      } catch (const std::exception& e) {
        respond(Response::Error(Status::Internal(std::string("handler failed: ") + e.what()),
                                request_id));
      } catch (...) {
        respond(Response::Error(Status::Internal("handler failed"), request_id));
      }
      return;
    }
    Response r;
    if (match.method_not_allowed) {
      r = Response::Error(
          Status::Unimplemented("method " + req.method + " is not allowed for " + req.path),
          request_id);
      r.status = 405;
    } else {
      r = Response::Error(Status::NotFound("no route for " + req.method + " " + req.path),
                          request_id);
    }
    r.headers.emplace_back("x-request-id", request_id);
    WriteResponse(std::move(r));
  }

  Responder MakeResponder();

  bool KeepAlive() const { return keep_alive_ && !core_->draining.load(); }

  template <typename Message>
  void CopyHeaders(const Headers& headers, Message& m) {
    for (const auto& [name, value] : headers) {
      if (!IsFramingHeader(name)) m.insert(name, value);
    }
  }

  void WriteResponse(Response r) {
    // A streamed body is still in the making: the client stays watched until its end.
    if (r.stream) return StartStream(std::move(r));
    StopWatching();
    request_ctx_.reset();
    if (r.status < 100 || r.status > 999) r.status = 500;
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>();
    res->version(11);
    res->result(static_cast<unsigned>(r.status));
    CopyHeaders(r.headers, *res);
    bool keep = KeepAlive();
    res->keep_alive(keep);
    size_t length = r.body.size();
    if (!head_) res->body() = std::move(r.body);
    if (r.status >= 200 && r.status != 204 && r.status != 304) res->content_length(length);
    state_ = State::kWriting;
    stream_.expires_after(core_->options.idle_timeout);
    bhttp::async_write(stream_, *res,
                       [self = shared_from_this(), res, keep](beast::error_code ec, size_t) {
                         self->OnWritten(ec, keep);
                       });
  }

  void OnWritten(beast::error_code ec, bool keep) {
    if (state_ == State::kClosed) return;
    if (ec) return Close();
    if (!keep) return GracefulClose();
    DoRead();
  }

  void StartStream(Response r) {
    auto* handle = dynamic_cast<internal::ChunkWriterHandle*>(r.stream.get());
    if (handle == nullptr) {
      return WriteResponse(Response::Error(
          Status::Internal("Response::Chunked needs a writer made by NewChunkWriter()")));
    }
    chunks_ = handle->stream();
    chunks_bound_ = false;
    r.stream.reset();  // if the handler let go of its writer already, the stream is closed
    auto head = std::make_shared<bhttp::response<bhttp::empty_body>>();
    head->version(11);
    head->result(static_cast<unsigned>(r.status < 100 || r.status > 999 ? 500 : r.status));
    CopyHeaders(r.headers, *head);
    stream_keep_alive_ = KeepAlive();
    head->keep_alive(stream_keep_alive_);
    head->chunked(true);
    auto serializer = std::make_shared<bhttp::response_serializer<bhttp::empty_body>>(*head);
    state_ = State::kStreaming;
    stream_.expires_after(core_->options.idle_timeout);
    bhttp::async_write_header(
        stream_, *serializer,
        [self = shared_from_this(), head, serializer](beast::error_code ec, size_t) {
          if (self->state_ == State::kClosed) return;
          if (ec) return self->Close();
          std::weak_ptr<Session> weak = self;
          std::weak_ptr<Core> core = self->core_->weak_from_this();
          self->chunks_->Bind([weak, core] {
            if (auto c = core.lock()) c->PostTo(weak, [](Session& s) { s.Pump(); });
          });
          self->chunks_bound_ = true;
          self->Pump();
        });
  }

  void OnChunkWritten(beast::error_code ec) {
    chunk_writing_ = false;
    if (state_ == State::kClosed) return;
    chunks_->Written(current_chunk_.size());
    current_chunk_.clear();
    if (ec) return Close();
    Pump();
  }

  void OnStreamEnded(beast::error_code ec) {
    chunk_writing_ = false;
    if (state_ == State::kClosed) return;
    chunks_.reset();
    if (ec) return Close();
    StopWatching();
    request_ctx_.reset();
    if (!stream_keep_alive_) return GracefulClose();
    DoRead();
  }

  // Closing a kept-alive connection between requests: at once when the client has sent
  // nothing more (the common case, and it need not wait for a client that keeps its end
  // open), else gracefully so unread bytes cannot turn our close into a reset.
  void CloseIdle() {
    beast::error_code ec;
    if (buffer_.size() == 0 && stream_.socket().available(ec) == 0 && !ec) return Close();
    GracefulClose();
  }

  // Half-closes, then discards what the client still sends for a moment, so it reads our
  // last response rather than a connection reset.
  void GracefulClose() {
    if (state_ == State::kClosed) return;
    state_ = State::kClosing;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return Close();
    stream_.expires_after(kLingerTime);
    LingerRead();
  }

  void LingerRead() {
    stream_.async_read_some(net::buffer(scratch_),
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              if (self->state_ == State::kClosed) return;
                              if (ec) return self->Close();
                              self->LingerRead();
                            });
  }

  // Reads ahead while request `seq` is handled or streamed, to learn when the client leaves
  // (see the top of the file). Raw socket reads: the tcp_stream's timeouts stay the
  // handler's and the writer's.
  void WatchPeer(uint64_t seq) {
    if (seq != seq_ || watching_ || client_left_ || !request_ctx_) return;
    if (state_ != State::kHandling && state_ != State::kStreaming) return;
    if (buffer_.size() >= kMaxReadAhead) return;
    size_t room = std::min(kReadAheadChunk, kMaxReadAhead - buffer_.size());
    watching_ = true;
    stream_.socket().async_read_some(
        buffer_.prepare(room),
        [self = shared_from_this()](beast::error_code ec, size_t n) { self->OnWatchRead(ec, n); });
  }

  void OnWatchRead(beast::error_code ec, size_t n) {
    watching_ = false;
    buffer_.commit(n);  // the next pipelined request, kept for the parser
    if (state_ == State::kClosed) return;
    if (stop_watching_) {
      // The response is done (or going out); a client leaving now is the next read's news.
      stop_watching_ = false;
      if (read_after_watch_) {
        read_after_watch_ = false;
        DoRead();
      }
      return;
    }
    if (ec) return OnClientLeft(ec);
    WatchPeer(seq_);
  }

  // Ends the watch; DoRead waits for its read to complete.
  void StopWatching() {
    if (!watching_ || stop_watching_) return;
    stop_watching_ = true;
    beast::error_code ignored;
    stream_.socket().cancel(ignored);  // no write is pending when this is called
  }

  void OnClientLeft(beast::error_code ec) {
    CancelRequest();
    // After an error nothing more can be written; after EOF (a close, or a half-close) the
    // response is still tried, then the connection closes.
    if (ec != net::error::eof) return Close();
    client_left_ = true;
    keep_alive_ = false;
    stream_keep_alive_ = false;
  }

  // Cancels the Context of the request in progress, if any. Its OnCancel callbacks run here.
  void CancelRequest() {
    if (!request_ctx_) return;
    Context ctx = std::move(*request_ctx_);
    request_ctx_.reset();
    ctx.Cancel();
  }

  Core* core_;
  const net::any_io_executor executor_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<internal::RequestParser> parser_;
  std::string peer_;
  State state_ = State::kReading;
  uint64_t seq_ = 0;
  bool keep_alive_ = true;
  bool head_ = false;

  std::shared_ptr<internal::ChunkStream> chunks_;
  bool chunks_bound_ = false;
  bool chunk_writing_ = false;
  bool stream_keep_alive_ = true;
  std::string current_chunk_;
  std::array<char, 4096> scratch_;

  std::optional<Context> request_ctx_;  // of the request being handled or streamed
  bool watching_ = false;               // a WatchPeer read is outstanding
  bool stop_watching_ = false;          // ... and was cancelled: it ends quietly
  bool read_after_watch_ = false;       // DoRead waits for it
  bool client_left_ = false;            // EOF seen: no more requests on this connection
};

template <typename F>
bool Core::PostTo(const std::weak_ptr<Session>& weak, F fn) {
  std::lock_guard lock(mu);
  if (stopped) return false;
  std::shared_ptr<Session> s = weak.lock();
  if (!s) return false;
  const net::any_io_executor& ex = s->executor();
  net::post(ex, [s = std::move(s), fn = std::move(fn)]() mutable { fn(*s); });
  return true;
}

// Shared by every copy of one Responder: answers once; answers 500 if never called.
class ResponderState {
 public:
  ResponderState(std::weak_ptr<Core> core, std::weak_ptr<Session> session, uint64_t seq)
      : core_(std::move(core)), session_(std::move(session)), seq_(seq) {}
  ~ResponderState() {
    if (!done_.load()) {
      Send(Response::Error(Status::Internal("the handler dropped the request without answering")));
    }
  }

  void Send(Response response) {
    if (done_.exchange(true)) return;
    std::shared_ptr<Core> core = core_.lock();
    if (!core) return;
    core->PostTo(session_, [seq = seq_, r = std::move(response)](Session& s) mutable {
      s.Deliver(seq, std::move(r));
    });
  }

 private:
  std::weak_ptr<Core> core_;
  std::weak_ptr<Session> session_;
  uint64_t seq_;
  std::atomic<bool> done_{false};
};

Responder Session::MakeResponder() {
  auto state = std::make_shared<ResponderState>(core_->weak_from_this(), weak_from_this(), seq_);
  return [state](Response r) { state->Send(std::move(r)); };
}

void Core::DoAccept() {
  acceptor->async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    OnAccept(ec, std::move(socket));
  });
}

void Core::OnAccept(beast::error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted || !acceptor->is_open()) return;
  if (ec) {
    // Out of descriptors or similar: try again shortly rather than spin.
    accept_backoff->expires_after(std::chrono::milliseconds(50));
    accept_backoff->async_wait([this](beast::error_code wait_ec) {
      if (!wait_ec && acceptor->is_open()) DoAccept();
    });
    return;
  }
  beast::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  auto session = std::make_shared<Session>(this, std::move(socket));
  {
    std::lock_guard lock(mu);
    if (stopped) return;
    sessions.emplace(session.get(), session);
  }
  session->Start();
  DoAccept();
}

}  // namespace

class HttpServer::Impl {
 public:
  Impl(const Router& router, const ServerOptions& options)
      : core_(std::make_shared<Core>(router, options)) {}
  ~Impl() { Shutdown(std::chrono::steady_clock::now()); }

  Status Listen(const std::string& host, uint16_t port) {
    if (started_) return Status::FailedPrecondition("HttpServer is already listening");
    std::string where = host + ":" + std::to_string(port);
    beast::error_code ec;
    net::ip::address addr = net::ip::make_address(host.empty() ? "0.0.0.0" : host, ec);
    if (ec) {
      tcp::resolver resolver(core_->ioc);
      auto results = resolver.resolve(host, std::to_string(port), ec);
      if (ec || results.empty()) {
        return Status::Unavailable("listen on " + where + ": cannot resolve host: " + ec.message());
      }
      addr = results.begin()->endpoint().address();
    }
    tcp::endpoint endpoint(addr, port);
    auto& acceptor = core_->acceptor.emplace(net::make_strand(core_->ioc));
    core_->accept_backoff.emplace(acceptor.get_executor());
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      core_->acceptor.reset();
      return Status::Unavailable("listen on " + where + ": " + ec.message());
    }
    port_ = acceptor.local_endpoint(ec).port();
    started_ = true;
    core_->work.emplace(net::make_work_guard(core_->ioc));
    net::post(acceptor.get_executor(), [core = core_.get()] { core->DoAccept(); });
    size_t n = std::max<size_t>(1, core_->options.threads);
    for (size_t i = 0; i < n; ++i) {
      threads_.emplace_back([core = core_.get()] {
        internal::t_on_io_thread = true;
        core->ioc.run();
      });
    }
    return {};
  }

  uint16_t port() const { return port_; }

  void Shutdown(std::chrono::steady_clock::time_point deadline) {
    if (!started_ || shut_down_) return;
    shut_down_ = true;
    Core* core = core_.get();
    core->draining.store(true);
    // Refuse new connections from here on (not merely once the io threads get to it).
    auto closed = std::make_shared<std::promise<void>>();
    net::post(core->acceptor->get_executor(), [core, closed] {
      beast::error_code ec;
      core->acceptor->close(ec);
      core->accept_backoff->cancel();
      closed->set_value();
    });
    closed->get_future().wait();
    ForEachSession([](Session& s) { s.Drain(); });
    {
      std::unique_lock lock(core->mu);
      core->cv.wait_until(lock, deadline, [&] { return core->sessions.empty(); });
    }
    // Past the deadline: close whatever is left, including long polls still unanswered.
    ForEachSession([](Session& s) { s.Close(); });
    {
      std::unique_lock lock(core->mu);
      core->cv.wait_for(lock, std::chrono::seconds(5), [&] { return core->sessions.empty(); });
      core->stopped = true;
    }
    core->work.reset();
    core->ioc.stop();
    for (auto& t : threads_) t.join();
    threads_.clear();
    // Sessions still referenced by queued handlers go when the io_context does.
    std::unordered_map<Session*, std::shared_ptr<Session>> left;
    {
      std::lock_guard lock(core->mu);
      left.swap(core->sessions);
    }
  }

 private:
  template <typename F>
  void ForEachSession(F fn) {
    std::vector<std::weak_ptr<Session>> all;
    {
      std::lock_guard lock(core_->mu);
      for (auto& [ptr, s] : core_->sessions) all.push_back(s);
    }
    for (auto& weak : all) core_->PostTo(weak, fn);
  }

  std::shared_ptr<Core> core_;
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;
  bool started_ = false;
  bool shut_down_ = false;
};

HttpServer::HttpServer(const Router& router, ServerOptions options)
    : impl_(std::make_unique<Impl>(router, options)) {}
HttpServer::~HttpServer() = default;
Status HttpServer::Listen(const std::string& host, uint16_t port) {
  return impl_->Listen(host, port);
}
uint16_t HttpServer::port() const { return impl_->port(); }
void HttpServer::Shutdown(std::chrono::steady_clock::time_point deadline) {
  impl_->Shutdown(deadline);
}

}  // namespace micro::http

#include "transport/http/rpc_handler.h"

#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include <micro/log/log.h>

#include "transport/http/call_context.h"
#include "transport/http/codec.h"

namespace micro::transport::http_json {

namespace {

using micro::http::Request;
using micro::http::Response;
using Reply = std::function<void(Response)>;

Response ErrorWithStatus(int http_status, const Status& status, const std::string& request_id) {
  Response r = Response::Error(status, request_id);
  r.status = http_status;
  return r;
}

// A server-streaming call's output as NDJSON. The response head goes out with the first
// message, so a call that fails before writing anything still gets a proper HTTP error.
class NdjsonStream : public server::ServerStream {
 public:
  NdjsonStream(const google::protobuf::Message& request, Reply reply, std::string request_id,
               Context::CancelObserver cancelled)
      : request_(request),
        reply_(std::move(reply)),
        request_id_(std::move(request_id)),
        cancelled_(std::move(cancelled)) {}

  bool Read(google::protobuf::Message* message) override {
    if (read_ || message->GetDescriptor() != request_.GetDescriptor()) return false;
    read_ = true;
    message->CopyFrom(request_);
    return true;
  }

  bool Write(const google::protobuf::Message& message) override {
    // The client went away (as a gRPC stream's Write fails once the call is cancelled).
    if (cancelled_.cancelled()) return false;
    std::string line;
    if (!EncodeMessage(Codec::kJson, message, &line).ok()) return false;
    line.push_back('\n');
    std::lock_guard lock(mu_);
    StartLocked();
    return writer_->Write(std::move(line));
  }

  void Finish(const Status& status) {
    std::lock_guard lock(mu_);
    if (!writer_) {
      if (!status.ok()) return reply_(Response::Error(status, request_id_));
      StartLocked();
    } else if (!status.ok()) {
      nlohmann::json line = {
          {"error", {{"code", StatusCodeName(status.code())}, {"message", status.message()}}}};
      writer_->Write(line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    }
    writer_->Close();
  }

 private:
  void StartLocked() {
    if (writer_) return;
    writer_ = micro::http::NewChunkWriter();
    reply_(Response::Chunked(200, "application/x-ndjson", writer_));
  }

  const google::protobuf::Message& request_;
  Reply reply_;
  std::string request_id_;
  Context::CancelObserver cancelled_;
  bool read_ = false;
  std::mutex mu_;
  std::shared_ptr<micro::http::ChunkWriter> writer_;
};

// One accepted call, from the io thread to wherever the method runs.
class Call {
 public:
  Call(server::Server& server, const server::Method& method, Request request,
       std::string request_id, Reply reply)
      : guard_(server.TrackCall()),
        server_(server),
        method_(method),
        request_(std::move(request)),
        request_id_(std::move(request_id)),
        reply_(std::move(reply)) {}

  void Run() {
    // The server cancels it when the client goes away (micro::http::Request::context).
    Context ctx = std::move(request_.context);
    FillContext(request_, ctx);
    ctx.metadata().Set("x-request-id", request_id_);
    Codec codec = CodecFor(request_.Header("content-type"));
    std::unique_ptr<google::protobuf::Message> in(method_.request_prototype->New());
    Status st = DecodeMessage(codec, request_.body, in.get());
    std::string().swap(request_.body);
    if (!st.ok()) return reply_(Response::Error(st, request_id_));

    if (method_.kind == server::MethodKind::kServerStreaming) {
      NdjsonStream stream(*in, reply_, request_id_, ctx.ObserveCancellation());
      server::CallInfo info{method_, "http", nullptr, nullptr, &stream};
      st = server_.Invoke(ctx, info);
      if (ctx.cancelled()) LogClientGone(ctx, st);
      stream.Finish(st);
      return;
    }
    std::unique_ptr<google::protobuf::Message> out(method_.response_prototype->New());
    server::CallInfo info{method_, "http", in.get(), out.get(), nullptr};
    st = server_.Invoke(ctx, info);
    // The answer is still sent: it fails quietly, or reaches a client that only half-closed.
    if (ctx.cancelled()) LogClientGone(ctx, st);
    if (!st.ok()) return reply_(Response::Error(st, request_id_));
    Response r;
    st = EncodeMessage(codec, *out, &r.body);
    if (!st.ok()) return reply_(Response::Error(st, request_id_));
    r.headers.emplace_back("content-type", std::string(ContentType(codec)));
    reply_(std::move(r));
  }

 private:
  void LogClientGone(const Context& ctx, const Status& st) const {
    MICRO_LOG_DEBUG(ctx, "http: client went away before the answer", {"method", method_.Path()},
                    {"code", StatusCodeName(st.code())}, {"request_id", request_id_});
  }

  server::Server::CallGuard guard_;
  server::Server& server_;
  const server::Method& method_;
  Request request_;
  std::string request_id_;
  Reply reply_;
};

}  // namespace

void HandleRpc(server::Server& server, Request request, micro::http::Responder respond) {
  std::string request_id = request.Header("x-request-id");
  if (request_id.empty()) request_id = micro::http::NewRequestId();
  Reply reply = [respond = std::move(respond), request_id](Response r) {
    r.headers.emplace_back("x-request-id", request_id);
    respond(std::move(r));
  };

  const server::Method* method = server.Find(request.path);
  if (request.method != "POST") {
    if (method == nullptr) {
      return reply(Response::Error(
          Status::NotFound("no route for " + request.method + " " + request.path), request_id));
    }
    Response r = ErrorWithStatus(
        405, Status::Unimplemented(request.path + " takes POST, not " + request.method),
        request_id);
    r.headers.emplace_back("allow", "POST");
    return reply(std::move(r));
  }
  if (method == nullptr) {
    // 404 rather than UNIMPLEMENTED's 501: to an HTTP client an unknown method is an
    // unknown URL.
    return reply(
        ErrorWithStatus(404, Status::Unimplemented("unknown method " + request.path), request_id));
  }
  if (method->client_streams()) {
    return reply(Response::Error(
        Status::Unimplemented("client-streaming methods are served over gRPC only"), request_id));
  }

  auto call = std::make_shared<Call>(server, *method, std::move(request), request_id, reply);
  std::function<void()> task = [call] { call->Run(); };
  // Streams write for as long as they like: always on the worker pool.
  bool accepted = method->kind == server::MethodKind::kServerStreaming
                      ? server.workers().Post(std::move(task))
                      : server.RunOn(*method, std::move(task));
  if (!accepted) {
    reply(Response::Error(Status::Unavailable("the server is shutting down"), request_id));
  }
}

}  // namespace micro::transport::http_json

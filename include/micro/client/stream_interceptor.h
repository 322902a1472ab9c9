// Stream interceptors: the client-side middleware of streaming calls (Client::OpenStream).
// A unary call's interceptors see one request and one answer; a stream is opened once and
// then lives on in the caller's hands, so a stream interceptor runs when the stream is
// opened (a node was chosen: call.node / call.address are set) and may hand back a
// wrapper of the stream it got, to see the messages and how the stream ends. Tracing (one
// client span per stream) and the client RPC metrics plug in here:
//
//   class CountStreams : public micro::client::StreamInterceptor {
//    public:
//     micro::client::StreamResult InterceptStream(micro::Context& ctx,
//                                                 const micro::client::StreamCall& call,
//                                                 micro::client::StreamNext next) override {
//       auto opened = next(ctx, call);
//       if (!opened.ok()) return opened;
//       return std::unique_ptr<micro::client::ClientStream>(
//           std::make_unique<Counted>(std::move(*opened), counter_));  // a ForwardingStream
//     }
//   };
//   client.UseStream(std::make_shared<CountStreams>());
//
// `next` may be given a different Context (a copy carrying a new trace context): the
// transport reads what it sends and watches the cancellation and deadline when the stream
// opens, so the copy need not outlive the call to `next`. Interceptors are shared by all
// streams: thread-safe. A wrapper is used like any ClientStream (one writer thread, one
// reader thread, Finish last) and may be destroyed without Finish (the stream is then
// cancelled).
#pragma once

#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include <micro/client/client.h>
#include <micro/core/context.h>
#include <micro/core/result.h>
#include <micro/registry/registry.h>

namespace micro::client {

// A streaming call being opened, as interceptors see it.
struct StreamCall {
  std::string_view service;              // empty when the call dials an explicit address
  std::string_view method;               // "/package.Service/Method"
  const registry::Node* node = nullptr;  // null when dialing an explicit address
  std::string_view address;              // "host:port"
};

using StreamResult = Result<std::unique_ptr<ClientStream>>;

class StreamInterceptor;

// The rest of the stream chain; the last step opens the stream on the transport.
class StreamNext {
 public:
  using Terminal = StreamResult (*)(void* owner, Context& ctx, const StreamCall& call);

  StreamNext(const std::vector<std::shared_ptr<StreamInterceptor>>* chain, size_t index,
             Terminal terminal, void* owner)
      : chain_(chain), index_(index), terminal_(terminal), owner_(owner) {}

  StreamResult operator()(Context& ctx, const StreamCall& call) const;

 private:
  const std::vector<std::shared_ptr<StreamInterceptor>>* chain_;
  size_t index_;
  Terminal terminal_;
  void* owner_;
};

class StreamInterceptor {
 public:
  virtual ~StreamInterceptor() = default;
  virtual StreamResult InterceptStream(Context& ctx, const StreamCall& call, StreamNext next) = 0;
};

inline StreamResult StreamNext::operator()(Context& ctx, const StreamCall& call) const {
  if (index_ == chain_->size()) return terminal_(owner_, ctx, call);
  return (*chain_)[index_]->InterceptStream(ctx, call,
                                            StreamNext(chain_, index_ + 1, terminal_, owner_));
}

// A ClientStream that passes everything to another one: the base of wrappers, which
// override what they observe.
class ForwardingStream : public ClientStream {
 public:
  explicit ForwardingStream(std::unique_ptr<ClientStream> inner) : inner_(std::move(inner)) {}

  bool Write(const google::protobuf::Message& message) override { return inner_->Write(message); }
  bool WritesDone() override { return inner_->WritesDone(); }
  bool Read(google::protobuf::Message* message) override { return inner_->Read(message); }
  Status Finish() override { return inner_->Finish(); }

 protected:
  ClientStream& inner() { return *inner_; }

 private:
  std::unique_ptr<ClientStream> inner_;
};

}  // namespace micro::client

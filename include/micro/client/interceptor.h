// Client interceptors: the client-side middleware chain. Governance (retries, breakers,
// hedging), metrics and tracing plug in here.
//
// There are two chains:
//  - call interceptors (Client::Use) run once around a whole logical call, including all
//    of its attempts: retries, method breakers, metrics of what the caller saw;
//  - attempt interceptors (Client::UseAttempt) run around each attempt, after a node was
//    chosen (call.node / call.address are set): endpoint breakers, outlier detection,
//    one client span per attempt.
// Calling `next` from a call interceptor makes one more attempt: it picks a node (avoiding
// the ones in call.tried when another exists), runs the attempt chain and sends.
//
// The chain is continuation-passing so that one interceptor serves blocking and async
// calls alike: Intercept must call `done` exactly once, from any thread, after calling
// `next` zero or more times. An interceptor that only observes looks like this:
//
//   class CountCalls : public micro::client::ClientInterceptor {
//    public:
//     void Intercept(micro::Context& ctx, micro::client::ClientCall& call,
//                    micro::client::ClientNext next, micro::client::Done done) override {
//       next(ctx, call, [this, done = std::move(done)](micro::Status s) {
//         counts_[s.code()]++;
//         done(std::move(s));
//       });
//     }
//   };
//   client.Use(std::make_shared<CountCalls>());
//
// `ctx` and `call` stay valid until `done` runs. An interceptor that waits (a retry
// backoff) must not block when call.async is true: it schedules the next attempt instead
// (blocking calls may simply sleep). Interceptors are shared by all calls: thread-safe.
// Streaming calls (OpenStream) do not go through the chains.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/message.h>

#include <micro/core/context.h>
#include <micro/core/status.h>
#include <micro/registry/registry.h>

namespace micro::client {

// One logical call as interceptors see it.
struct ClientCall {
  std::string_view service;  // empty when the call dials an explicit address
  std::string_view method;   // "/package.Service/Method"
  const google::protobuf::Message* request = nullptr;
  google::protobuf::Message* response = nullptr;
  bool idempotent = false;  // safe to send more than once (CallOptions::idempotent)
  bool async = false;       // true for CallAsync: interceptors must not block

  // --- per attempt (set before the attempt chain runs) ---
  int attempt = 0;                       // 1 for the first attempt
  const registry::Node* node = nullptr;  // null when dialing an explicit address; valid
                                         // until the attempt's done runs
  std::string_view address;              // "host:port" of this attempt
  std::vector<std::string> tried;        // addresses of this call's attempts so far
};

using Done = std::function<void(Status)>;

class ClientInterceptor;

// The rest of a chain. Cheap to copy; an interceptor may keep a copy and call it later
// (e.g. after a backoff), as long as it is before its own `done`.
class ClientNext {
 public:
  using Terminal = void (*)(void* owner, Context& ctx, ClientCall& call, Done done);

  ClientNext(const std::vector<std::shared_ptr<ClientInterceptor>>* chain, size_t index,
             Terminal terminal, void* owner)
      : chain_(chain), index_(index), terminal_(terminal), owner_(owner) {}

  void operator()(Context& ctx, ClientCall& call, Done done) const;

 private:
  const std::vector<std::shared_ptr<ClientInterceptor>>* chain_;
  size_t index_;
  Terminal terminal_;
  void* owner_;
};

class ClientInterceptor {
 public:
  virtual ~ClientInterceptor() = default;
  virtual void Intercept(Context& ctx, ClientCall& call, ClientNext next, Done done) = 0;
};

inline void ClientNext::operator()(Context& ctx, ClientCall& call, Done done) const {
  if (index_ == chain_->size()) {
    terminal_(owner_, ctx, call, std::move(done));
    return;
  }
  (*chain_)[index_]->Intercept(ctx, call, ClientNext(chain_, index_ + 1, terminal_, owner_),
                               std::move(done));
}

}  // namespace micro::client

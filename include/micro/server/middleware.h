// Server middleware: an ordered chain of interceptors around every handled call, on every
// transport. Later components plug in here (auth, limits, metrics, tracing, logging).
//
//   class Timing : public micro::server::Interceptor {
//    public:
//     micro::Status Intercept(micro::Context& ctx, const micro::server::CallInfo& call,
//                             micro::server::Next next) override {
//       auto start = std::chrono::steady_clock::now();
//       micro::Status s = next(ctx);
//       Record(call.method.Path(), std::chrono::steady_clock::now() - start, s.code());
//       return s;
//     }
//   };
//   server.Use(std::make_shared<Timing>());
//
// Interceptors are shared by all calls and run on the thread that runs the handler, so
// Intercept must be thread-safe. The first one added runs outermost.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

#include <micro/core/context.h>
#include <micro/core/status.h>
#include <micro/server/method.h>

namespace micro::server {

// What an interceptor may see of a call. For unary calls `request` and `response` are
// the decoded messages (the response is filled once next() returns OK); for streaming
// calls both are null and `stream` is set.
struct CallInfo {
  const Method& method;
  std::string_view transport;  // "grpc", "http"
  const google::protobuf::Message* request = nullptr;
  google::protobuf::Message* response = nullptr;
  ServerStream* stream = nullptr;

  template <typename T>
  const T* RequestAs() const {
    return dynamic_cast<const T*>(request);
  }
  template <typename T>
  T* ResponseAs() const {
    return dynamic_cast<T*>(response);
  }
};

class Interceptor;

// Calls the rest of the chain (and finally the handler).
class Next {
 public:
  Status operator()(Context& ctx) const;

 private:
  friend class Chain;
  Next(const std::vector<std::shared_ptr<Interceptor>>* chain, size_t index, const CallInfo* call)
      : chain_(chain), index_(index), call_(call) {}
  const std::vector<std::shared_ptr<Interceptor>>* chain_;
  size_t index_;
  const CallInfo* call_;
};

class Interceptor {
 public:
  virtual ~Interceptor() = default;
  virtual Status Intercept(Context& ctx, const CallInfo& call, Next next) = 0;
};

// The chain a server runs each call through; the handler is the last link.
class Chain {
 public:
  void Add(std::shared_ptr<Interceptor> interceptor) {
    interceptors_.push_back(std::move(interceptor));
  }
  Status Run(Context& ctx, const CallInfo& call) const {
    return Next(&interceptors_, 0, &call)(ctx);
  }
  size_t size() const { return interceptors_.size(); }

 private:
  std::vector<std::shared_ptr<Interceptor>> interceptors_;
};

// Turns a handler that throws into INTERNAL with the exception's message, so that one
// bad request never takes the process down. Always installed outermost by Server.
class RecoveryInterceptor : public Interceptor {
 public:
  Status Intercept(Context& ctx, const CallInfo& call, Next next) override;
};

}  // namespace micro::server

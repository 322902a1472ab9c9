// The access log: a server interceptor writing one line per handled call, and making the
// call the thread's current one so that lines logged inside the handler with `{}` carry
// its trace ids.
//
//   server.Use(std::make_shared<micro::log::AccessLogInterceptor>("greeter", "greeter-1"));
//
// A line (msg "access") has: method ("/pkg.Service/Method"), transport ("grpc", "http"),
// code ("OK", "NOT_FOUND", ...), duration_ms, peer, request_id, and error (the status
// message) when the call failed. Its level follows the code as gRPC's logging middleware
// does: info for OK and client mistakes, warn for DEADLINE_EXCEEDED, PERMISSION_DENIED,
// RESOURCE_EXHAUSTED, FAILED_PRECONDITION, ABORTED, OUT_OF_RANGE, UNAVAILABLE, error for
// UNKNOWN, UNIMPLEMENTED, INTERNAL, DATA_LOSS. No header is ever written.
//
// The request id is the `x-request-id` metadata; a call without one gets a new id, set in
// its metadata, so that the handler and every call it makes downstream see the same one.
//
// micro::Service installs one (config `log.access`, default on). Thread-safe.
#pragma once

#include <atomic>
#include <string>

#include <micro/server/middleware.h>

namespace micro::log {

class AccessLogInterceptor : public server::Interceptor {
 public:
  // `service`/`instance` are written on every line of the calls it sees (see ScopedCall);
  // "" leaves the process-wide ones.
  explicit AccessLogInterceptor(std::string service = {}, std::string instance = {});

  // Turns the access lines on or off while calls run; request ids and the current call
  // are kept either way.
  void set_enabled(bool enabled) { enabled_.store(enabled, std::memory_order_relaxed); }
  bool enabled() const { return enabled_.load(std::memory_order_relaxed); }

  // server::Interceptor
  Status Intercept(Context& ctx, const server::CallInfo& call, server::Next next) override;

 private:
  const std::string service_;
  const std::string instance_;
  std::atomic<bool> enabled_{true};
};

}  // namespace micro::log

// micro::Context: what travels with one call — deadline, cancellation, metadata,
// trace context and the peer's address.
//
// A server hands the handler the call's Context; passing that same Context (or a
// Child()) to a client call propagates the deadline, the cancellation and the
// metadata downstream:
//
//   micro::Status Hello(micro::Context& ctx, const HelloRequest& req, HelloReply* out) {
//     auto user = users.Get(ctx, UserRequest{...});   // bounded by ctx's deadline
//     ...
//   }
//
// Thread-safety: cancellation (Cancel, cancelled, OnCancel) is safe from any thread;
// deadline and metadata belong to the thread that runs the call.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace micro {

// Ordered key/value pairs; keys are lower-case ASCII (as in HTTP/2 and gRPC).
// A key may repeat; Get returns the first value.
class Metadata {
 public:
  using Entry = std::pair<std::string, std::string>;

  void Add(std::string_view key, std::string_view value);
  // Replaces every value of `key` with one.
  void Set(std::string_view key, std::string_view value);
  std::optional<std::string_view> Get(std::string_view key) const;
  void Remove(std::string_view key);
  bool empty() const { return entries_.empty(); }
  size_t size() const { return entries_.size(); }
  const std::vector<Entry>& entries() const { return entries_; }

  // True for keys that describe one transport hop (content-type, grpc-*, host, ...)
  // and so must not be forwarded to the next hop.
  static bool IsHopByHop(std::string_view key);

 private:
  std::vector<Entry> entries_;
};

// W3C trace context slot; filled and read by the tracing middleware.
struct TraceContext {
  std::string traceparent;
  std::string tracestate;
};

class Context {
 public:
  using Clock = std::chrono::steady_clock;

  Context();
  // A root context whose deadline is now + timeout.
  template <typename Rep, typename Period>
  static Context WithTimeout(std::chrono::duration<Rep, Period> timeout) {
    Context c;
    c.SetTimeout(timeout);
    return c;
  }

  // A context for work done on behalf of this one: same metadata and trace, a deadline
  // no later than this one's, cancelled whenever this one is.
  Context Child() const;

  // --- deadline ---
  bool has_deadline() const { return deadline_ != Clock::time_point::max(); }
  Clock::time_point deadline() const { return deadline_; }
  void SetDeadline(Clock::time_point d) { deadline_ = d; }
  template <typename Rep, typename Period>
  void SetTimeout(std::chrono::duration<Rep, Period> timeout) {
    deadline_ = Clock::now() + std::chrono::duration_cast<Clock::duration>(timeout);
  }
  // Only ever moves the deadline earlier.
  void ShortenDeadline(Clock::time_point d) {
    if (d < deadline_) deadline_ = d;
  }
  // Time left; zero when expired; a very large value without a deadline.
  std::chrono::nanoseconds Remaining() const;
  bool Expired() const { return has_deadline() && Clock::now() >= deadline_; }

  // --- cancellation ---
  void Cancel();
  bool cancelled() const;
  // Runs `fn` once when the context is cancelled (at once if it already is), on the
  // cancelling thread. Returns a handle for RemoveOnCancel.
  uint64_t OnCancel(std::function<void()> fn);
  void RemoveOnCancel(uint64_t handle);

  // Tells whether this context (or any copy of it) was cancelled, from any thread and
  // for as long as the observer lives, even after every Context copy is gone. Lets a
  // transport poll cancellation instead of registering a callback per call.
  struct CancelState;
  class CancelObserver {
   public:
    bool cancelled() const;

   private:
    friend class Context;
    std::shared_ptr<const CancelState> state_;
  };
  CancelObserver ObserveCancellation() const;

  // --- metadata, trace, peer ---
  Metadata& metadata() { return metadata_; }
  const Metadata& metadata() const { return metadata_; }
  TraceContext& trace() { return trace_; }
  const TraceContext& trace() const { return trace_; }
  const std::string& peer() const { return peer_.get(); }
  void set_peer(std::string peer) { peer_.set(std::move(peer)); }
  // For transports: the peer is made by `resolve(arg)` on the first peer() (or when this
  // Context is copied or moved), not per call: most calls never look at it, and making
  // the string costs a few hundred instructions. `arg` must outlive this Context.
  void set_peer_resolver(std::string (*resolve)(const void* arg), const void* arg) {
    peer_.set_resolver(resolve, arg);
  }

 private:
  // A string made on first use. Copies and moves carry the string, never the resolver,
  // whose argument lives only as long as the original.
  class LazyString {
   public:
    LazyString() = default;
    LazyString(const LazyString& other) : value_(other.get()) {}
    LazyString(LazyString&& other) : value_(std::move(other.Resolved())) {}
    LazyString& operator=(const LazyString& other) {
      if (this != &other) set(other.get());
      return *this;
    }
    LazyString& operator=(LazyString&& other) {
      if (this != &other) set(std::move(other.Resolved()));
      return *this;
    }
    const std::string& get() const { return Resolved(); }
    void set(std::string value) {
      value_ = std::move(value);
      resolve_ = nullptr;
    }
    void set_resolver(std::string (*resolve)(const void*), const void* arg) {
      resolve_ = resolve;
      arg_ = arg;
    }

   private:
    // Resolving is not a visible change, hence mutable (a Context belongs to one thread).
    std::string& Resolved() const {
      if (resolve_ != nullptr) {
        value_ = resolve_(arg_);
        resolve_ = nullptr;
      }
      return value_;
    }
    mutable std::string value_;
    mutable std::string (*resolve_)(const void*) = nullptr;
    const void* arg_ = nullptr;
  };

  Clock::time_point deadline_ = Clock::time_point::max();
  std::shared_ptr<CancelState> cancel_;
  Metadata metadata_;
  TraceContext trace_;
  LazyString peer_;
};

}  // namespace micro

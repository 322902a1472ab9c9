// FakeClient: drives client interceptor chains the way micro::Client does, without a
// network: the call chain's terminal filters the nodes (RouteFilters), picks a node this
// call has not tried yet (round-robin), fills the per-attempt fields of ClientCall and
// runs the attempt chain, whose terminal asks `backend` for the attempt's status.
// Async calls complete on a worker thread, as a transport's event thread would.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <micro/client/interceptor.h>
#include <micro/runtime/thread_pool.h>
#include <micro/selector/route_filter.h>

#include "support/nodes.h"

namespace micro::testing {

class FakeClient {
 public:
  // The status of one attempt to `node` (the call's `attempt`-th).
  using Backend = std::function<Status(const registry::Node& node, int attempt)>;

  FakeClient(int nodes, Backend backend) : nodes_(NodesOf(nodes)), backend_(std::move(backend)) {
    for (const auto& n : nodes_.nodes()) addresses_.push_back(n.Address("grpc"));
  }
  ~FakeClient() { workers_.Shutdown(); }

  std::vector<std::shared_ptr<client::ClientInterceptor>> calls;     // Client::Use
  std::vector<std::shared_ptr<client::ClientInterceptor>> attempts;  // Client::UseAttempt
  std::vector<std::shared_ptr<selector::RouteFilter>> filters;       // AddRouteFilter

  struct Options {
    std::string service = "svc";
    std::string method = "/test.Svc/Get";
    bool idempotent = false;
  };

  Status Call(Context& ctx, Options options) {
    Options o = std::move(options);
    client::ClientCall call{.service = o.service, .method = o.method, .idempotent = o.idempotent};
    Status result = Status::Internal("done never ran");
    int done_calls = 0;
    client::ClientNext(&calls, 0, &CallTerminal, this)(ctx, call, [&](Status s) {
      result = std::move(s);
      ++done_calls;
    });
    if (done_calls != 1) return Status::Internal("done ran " + std::to_string(done_calls) + "x");
    return result;
  }

  // `call` and `ctx` must outlive `done`.
  void CallAsync(Context& ctx, client::ClientCall& call, client::Done done) {
    call.async = true;
    client::ClientNext(&calls, 0, &CallTerminal, this)(ctx, call, std::move(done));
  }

  // Node ids of every attempt sent, in order.
  std::vector<std::string> sent() const {
    std::lock_guard lock(mu_);
    return sent_;
  }
  size_t sent_count() const {
    std::lock_guard lock(mu_);
    return sent_.size();
  }
  TestNodes& nodes() { return nodes_; }

 private:
  static void CallTerminal(void* owner, Context& ctx, client::ClientCall& call, client::Done done) {
    auto* self = static_cast<FakeClient*>(owner);
    std::vector<const registry::Node*> candidates;
    for (const auto& n : self->nodes_.nodes()) candidates.push_back(&n);
    selector::NodeSet set(candidates);
    for (auto& f : self->filters) f->Filter(ctx, {call.service, call.method}, set);
    if (candidates.empty()) return done(Status::Unavailable("no node left"));
    // Round-robin, skipping nodes this call tried when another exists.
    size_t start = self->cursor_.fetch_add(1);
    const registry::Node* pick = nullptr;
    for (size_t i = 0; i < candidates.size() && !pick; ++i) {
      const registry::Node* n = candidates[(start + i) % candidates.size()];
      bool tried = false;
      for (const auto& t : call.tried) tried |= (t == self->AddressOf(n));
      if (!tried) pick = n;
    }
    if (!pick) pick = candidates[start % candidates.size()];
    ++call.attempt;
    call.node = pick;
    call.address = self->AddressOf(pick);
    call.tried.emplace_back(call.address);
    client::ClientNext(&self->attempts, 0, &AttemptTerminal, self)(ctx, call, std::move(done));
  }

  static void AttemptTerminal(void* owner, Context& /*ctx*/, client::ClientCall& call,
                              client::Done done) {
    auto* self = static_cast<FakeClient*>(owner);
    {
      std::lock_guard lock(self->mu_);
      self->sent_.push_back(call.node->id);
    }
    Status s = self->backend_(*call.node, call.attempt);
    if (call.async) {
      self->workers_.Post([done = std::move(done), s = std::move(s)]() mutable { done(s); });
    } else {
      done(std::move(s));
    }
  }

  const std::string& AddressOf(const registry::Node* n) const {
    return addresses_[static_cast<size_t>(n - nodes_.nodes().data())];
  }

  TestNodes nodes_;
  std::vector<std::string> addresses_;
  Backend backend_;
  std::atomic<size_t> cursor_{0};
  mutable std::mutex mu_;
  std::vector<std::string> sent_;
  runtime::ThreadPool workers_{2};
};

}  // namespace micro::testing

#include <micro/client/client.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <unordered_set>

#include <micro/client/stream_interceptor.h>
#include <micro/client/transport.h>
#include <micro/selector/selector.h>

#include "client/discovery_cache.h"

namespace micro::client {

class Client::Impl {
 public:
  Impl(std::shared_ptr<registry::Registry> registry, ClientOptions options)
      : options_(std::move(options)), cache_(std::move(registry), options_.protocol) {
    RegisterBuiltinClientTransports();
    selector::RegisterBuiltinSelectors();
    auto transport = ClientTransportPlugins().Create(options_.protocol);
    if (transport.ok()) {
      transport_ = std::move(*transport);
    } else {
      transport_error_ = transport.status();
    }
    // Fail at construction time, not on the first call, for a misspelt selector name.
    auto probe = selector::SelectorPlugins().Create(options_.selector);
    if (!probe.ok()) selector_error_ = probe.status();
  }

  // Where one attempt goes. `view` keeps `node` (a pointer into it) alive until the
  // selector's OnDone, so no node is copied on a call's path.
  struct Target {
    const std::string* address = nullptr;
    std::shared_ptr<selector::Selector> selector;  // null when dialing an explicit address
    std::shared_ptr<const NodeView> view;
    const registry::Node* node = nullptr;
  };

  Result<Target> Pick(const Context& ctx, const ClientCall& call, const CallOptions& opts) {
    if (!transport_) return transport_error_;
    if (!opts.address.empty()) return Target{&opts.address, nullptr, nullptr, nullptr};
    if (!selector_error_.ok()) return selector_error_;
    ServiceEntry& entry = cache_.Entry(call.service);
    const std::string& service = entry.name;
    auto view = cache_.Nodes(entry);
    if (!view.ok()) return view.status();
    if ((*view)->nodes().empty()) {
      view = cache_.Refresh(entry);
      if (!view.ok()) return view.status();
      if ((*view)->nodes().empty()) {
        return Status::Unavailable("no instances of service '" + service + "' are registered");
      }
    }
    const auto& speaking = (*view)->speaking();
    if (speaking.empty()) {
      return Status::Unavailable("no instance of service '" + service + "' serves " +
                                 options_.protocol);
    }
    std::shared_ptr<selector::Selector> sel = SelectorFor(entry);
    Result<const registry::Node*> chosen = Status::Unavailable("");
    if (filters_.empty() && call.tried.empty()) {
      chosen = sel->Select(speaking, ctx);  // the common case: nothing to narrow, no copy
    } else {
      // Filters narrow a scratch copy; reusing its storage keeps allocation off the path.
      thread_local std::vector<const registry::Node*> candidates;
      candidates.assign(speaking.begin(), speaking.end());
      selector::NodeSet set(candidates);
      selector::CallTarget target{call.service, call.method};
      for (const auto& filter : filters_) filter->Filter(ctx, target, set);
      if (set.empty()) {
        return Status::Unavailable("no instance of service '" + service +
                                   "' matches the routing rules");
      }
      // A retry prefers a node this call has not tried yet.
      set.KeepIf(
          [&](const registry::Node& n) {
            const std::string& address = (*view)->AddressOf(&n);
            for (const auto& t : call.tried) {
              if (t == address) return false;
            }
            return true;
          },
          /*fallback_to_all=*/true);
      chosen = sel->Select(set.view(), ctx);
    }
    if (!chosen.ok()) return chosen.status();
    const registry::Node* node = *chosen;
    return Target{&(*view)->AddressOf(node), std::move(sel), std::move(*view), node};
  }

  // Whether a call under `ctx` needs a deadline of its own: the client's default timeout
  // (ctx has none) or the per-call bound.
  bool NeedsBound(const Context& ctx, const CallOptions& opts) const {
    return (!ctx.has_deadline() && options_.default_timeout.count() > 0) ||
           opts.timeout.count() > 0;
  }
  void ApplyBound(Context& ctx, const CallOptions& opts) const {
    if (!ctx.has_deadline() && options_.default_timeout.count() > 0) {
      ctx.SetTimeout(options_.default_timeout);
    }
    if (opts.timeout.count() > 0) ctx.ShortenDeadline(Context::Clock::now() + opts.timeout);
  }
  // The context a call runs under: `ctx` itself when it needs no bound (the common case
  // when the caller set a deadline copies nothing), else a bounded copy in `storage`.
  Context* Bound(Context& ctx, const CallOptions& opts, std::optional<Context>& storage) {
    if (!NeedsBound(ctx, opts)) return &ctx;
    storage.emplace(ctx);
    ApplyBound(*storage, opts);
    return &*storage;
  }

  Status SetSelector(const std::string& service, const std::string& url) {
    auto created = selector::SelectorPlugins().Create(url);
    if (!created.ok()) return created.status();
    std::unique_lock lock(selectors_mu_);
    cache_.Entry(service).selector.store(std::shared_ptr<selector::Selector>(std::move(*created)));
    pinned_.insert(service);
    return Status::Ok();
  }

  Status SetDefaultSelector(const std::string& url) {
    auto created = selector::SelectorPlugins().Create(url);
    if (!created.ok()) return created.status();
    std::unique_lock lock(selectors_mu_);
    default_selector_ = url;
    cache_.ForEach([&](ServiceEntry& entry) {
      if (!pinned_.contains(entry.name)) entry.selector.store(nullptr);
    });
    return Status::Ok();
  }

  bool has_interceptors() const { return !call_chain_.empty() || !attempt_chain_.empty(); }

  ClientOptions options_;
  DiscoveryCache cache_;
  std::unique_ptr<ClientTransport> transport_;
  Status transport_error_;
  Status selector_error_;
  std::vector<std::shared_ptr<ClientInterceptor>> call_chain_;
  std::vector<std::shared_ptr<ClientInterceptor>> attempt_chain_;
  std::vector<std::shared_ptr<StreamInterceptor>> stream_chain_;
  std::vector<std::shared_ptr<selector::RouteFilter>> filters_;

 private:
  // The service's selector; the default one is made on the service's first call.
  std::shared_ptr<selector::Selector> SelectorFor(ServiceEntry& entry) {
    if (auto sel = entry.selector.load(std::memory_order_acquire)) return sel;
    std::unique_lock lock(selectors_mu_);
    auto sel = entry.selector.load();
    if (!sel) {
      sel = std::move(*selector::SelectorPlugins().Create(default_selector_));
      entry.selector.store(sel);
    }
    return sel;
  }

  std::mutex selectors_mu_;                           // serializes choosing selectors
  std::string default_selector_ = options_.selector;  // guarded by selectors_mu_
  // Services whose selector SetSelector chose (SetDefaultSelector leaves them alone).
  std::unordered_set<std::string> pinned_;
};

// One call running through the interceptor chains; the owner the chain terminals see.
// Blocking calls keep it on the caller's stack; async calls on the heap until done.
struct Client::Invocation {
  // What an attempt in flight must remember until its end. Attempts of the invocation's
  // own `call` (the usual call, retries) run one at a time and use `slot`, so that they
  // allocate nothing. An interceptor that runs attempts on copies of the call (hedging)
  // overlaps them and may end the call while one is still in flight: those get their own
  // record, and their end touches nothing of this Invocation, which may be gone by then.
  struct AttemptRecord {
    Impl::Target target;
    Context::Clock::time_point start;
    Done done;
    bool owned = false;  // heap-allocated (slot was busy)
  };

  Impl* impl;
  CallOptions options;
  ClientCall call;
  AttemptRecord slot{};
  std::atomic<bool> slot_busy{false};

  void Run(Context& ctx, Done done) {
    ClientNext(&impl->call_chain_, 0, &Invocation::Attempt, this)(ctx, call, std::move(done));
  }

  // End of the call chain: one attempt — pick a node, then the attempt chain.
  static void Attempt(void* owner, Context& ctx, ClientCall& call, Done done) {
    auto* self = static_cast<Invocation*>(owner);
    call.attempt++;
    auto target = self->impl->Pick(ctx, call, self->options);
    if (!target.ok()) {
      done(target.status());
      return;
    }
    call.node = target->node;
    call.address = *target->address;
    call.tried.emplace_back(*target->address);
    AttemptRecord* record = &self->slot;
    if (&call != &self->call || self->slot_busy.exchange(true, std::memory_order_acquire)) {
      record = new AttemptRecord{.owned = true};
    }
    const bool feedback = target->selector && target->selector->WantsFeedback();
    if (feedback) target->selector->OnStart(*target->node);
    record->target = std::move(*target);
    if (!feedback) record->target.selector = nullptr;
    record->start = feedback ? Context::Clock::now() : Context::Clock::time_point();
    record->done = std::move(done);
    ClientNext(&self->impl->attempt_chain_, 0, &Invocation::Send, self)(
        ctx, call, [self, record](Status s) { EndAttempt(self, record, std::move(s)); });
  }

  // `self` is touched only for the slot's record (an owned one may outlive the call).
  static void EndAttempt(Invocation* self, AttemptRecord* record, Status s) {
    Impl::Target target = std::move(record->target);
    Done done = std::move(record->done);
    auto start = record->start;
    if (record->owned) {
      delete record;
    } else {
      self->slot_busy.store(false, std::memory_order_release);
    }
    if (target.selector) target.selector->OnDone(*target.node, s, Context::Clock::now() - start);
    // `target` (the node and its address, which call.node / call.address point into)
    // outlives `done`: what runs after this attempt may still read them.
    done(std::move(s));
  }

  // End of the attempt chain: hand the attempt to the transport.
  static void Send(void* owner, Context& ctx, ClientCall& call, Done done) {
    auto* self = static_cast<Invocation*>(owner);
    ClientTransport& transport = *self->impl->transport_;
    if (call.async) {
      transport.CallAsync(ctx, call.address, call.method, *call.request, call.response,
                          std::move(done));
      return;
    }
    done(transport.Call(ctx, call.address, call.method, *call.request, call.response));
  }
};

Client::Client(std::shared_ptr<registry::Registry> registry, ClientOptions options)
    : registry_(registry), impl_(std::make_unique<Impl>(std::move(registry), std::move(options))) {}

Client::~Client() = default;

void Client::Use(std::shared_ptr<ClientInterceptor> interceptor) {
  impl_->call_chain_.push_back(std::move(interceptor));
}

void Client::UseAttempt(std::shared_ptr<ClientInterceptor> interceptor) {
  impl_->attempt_chain_.push_back(std::move(interceptor));
}

void Client::UseStream(std::shared_ptr<StreamInterceptor> interceptor) {
  impl_->stream_chain_.push_back(std::move(interceptor));
}

void Client::AddRouteFilter(std::shared_ptr<selector::RouteFilter> filter) {
  impl_->filters_.push_back(std::move(filter));
}

Status Client::SetSelector(const std::string& service, const std::string& selector_url) {
  return impl_->SetSelector(service, selector_url);
}

Status Client::SetDefaultSelector(const std::string& selector_url) {
  return impl_->SetDefaultSelector(selector_url);
}

Status Client::Call(Context& ctx, const std::string& service, const std::string& method_path,
                    const google::protobuf::Message& request, google::protobuf::Message* response,
                    const CallOptions& options) {
  std::optional<Context> storage;
  Context* call_ctx = impl_->Bound(ctx, options, storage);
  if (impl_->has_interceptors()) {
    Invocation inv{.impl = impl_.get(),
                   .options = options,
                   .call = ClientCall{.service = service,
                                      .method = method_path,
                                      .request = &request,
                                      .response = response,
                                      .idempotent = options.idempotent}};
    // Interceptors usually finish on this thread; one that hands the call to another
    // thread (a scheduled retry) is waited for here.
    struct Waiter {
      std::mutex mu;
      std::condition_variable cv;
      std::optional<Status> status;
    } waiter;
    inv.Run(*call_ctx, [&waiter](Status s) {
      std::lock_guard lock(waiter.mu);
      waiter.status = std::move(s);
      waiter.cv.notify_one();
    });
    std::unique_lock lock(waiter.mu);
    waiter.cv.wait(lock, [&] { return waiter.status.has_value(); });
    return std::move(*waiter.status);
  }
  ClientCall call{.service = service, .method = method_path};
  auto target = impl_->Pick(*call_ctx, call, options);
  if (!target.ok()) return target.status();
  if (!target->selector || !target->selector->WantsFeedback()) {
    return impl_->transport_->Call(*call_ctx, *target->address, method_path, request, response);
  }
  target->selector->OnStart(*target->node);
  auto start = Context::Clock::now();
  Status s = impl_->transport_->Call(*call_ctx, *target->address, method_path, request, response);
  target->selector->OnDone(*target->node, s, Context::Clock::now() - start);
  return s;
}

void Client::CallAsync(Context& ctx, const std::string& service, const std::string& method_path,
                       const google::protobuf::Message& request,
                       google::protobuf::Message* response, std::function<void(Status)> done,
                       const CallOptions& options) {
  if (impl_->has_interceptors()) {
    // The chain may outlive this function (retries are scheduled), so it owns copies of
    // everything the caller does not promise to keep: the context and the names.
    struct AsyncInvocation {
      Context ctx;
      std::string service;
      std::string method;
      Done done;
      Invocation inv;
    };
    auto* state = new AsyncInvocation{ctx, service, method_path, std::move(done),
                                      Invocation{.impl = impl_.get(), .options = options}};
    impl_->ApplyBound(state->ctx, options);
    state->inv.call = ClientCall{.service = state->service,
                                 .method = state->method,
                                 .request = &request,
                                 .response = response,
                                 .idempotent = options.idempotent,
                                 .async = true};
    state->inv.Run(state->ctx, [state](Status s) {
      std::unique_ptr<AsyncInvocation> owned(state);
      Done done = std::move(state->done);
      owned.reset();
      done(std::move(s));
    });
    return;
  }
  std::optional<Context> storage;
  Context* call_ctx = impl_->Bound(ctx, options, storage);
  ClientCall call{.service = service, .method = method_path};
  auto target = impl_->Pick(*call_ctx, call, options);
  if (!target.ok()) {
    done(target.status());
    return;
  }
  if (!target->selector || !target->selector->WantsFeedback()) {
    // The transport copies the address before returning: nothing to keep alive.
    impl_->transport_->CallAsync(*call_ctx, *target->address, method_path, request, response,
                                 std::move(done));
    return;
  }
  selector::Selector* sel = target->selector.get();
  sel->OnStart(*target->node);
  auto start = Context::Clock::now();
  impl_->transport_->CallAsync(
      *call_ctx, *target->address, method_path, request, response,
      [target = std::move(*target), start, done = std::move(done)](Status s) {
        target.selector->OnDone(*target.node, s, Context::Clock::now() - start);
        done(std::move(s));
      });
}

Result<std::unique_ptr<ClientStream>> Client::OpenStream(Context& ctx, const std::string& service,
                                                         const std::string& method_path,
                                                         const CallOptions& options) {
  std::optional<Context> storage;
  Context* call_ctx = impl_->Bound(ctx, options, storage);
  ClientCall call{.service = service, .method = method_path};
  auto target = impl_->Pick(*call_ctx, call, options);
  if (!target.ok()) return target.status();
  if (impl_->stream_chain_.empty()) {
    return impl_->transport_->OpenStream(*call_ctx, *target->address, method_path);
  }
  StreamCall stream{
      .service = service, .method = method_path, .node = target->node, .address = *target->address};
  StreamNext::Terminal open = [](void* owner, Context& c, const StreamCall& s) {
    return static_cast<ClientTransport*>(owner)->OpenStream(c, std::string(s.address),
                                                            std::string(s.method));
  };
  return StreamNext(&impl_->stream_chain_, 0, open, impl_->transport_.get())(*call_ctx, stream);
}

}  // namespace micro::client

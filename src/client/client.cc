#include <micro/client/client.h>

#include <map>
#include <mutex>
#include <shared_mutex>

#include <micro/client/transport.h>
#include <micro/selector/selector.h>

#include "client/discovery_cache.h"

namespace micro::client {

class Client::Impl {
 public:
  Impl(std::shared_ptr<registry::Registry> registry, ClientOptions options)
      : options_(std::move(options)), cache_(std::move(registry)) {
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

  // The address a call to `service` goes to, and the selector that chose it.
  struct Target {
    std::string address;
    selector::Selector* selector = nullptr;
    // The chosen node points into `nodes`, which keeps it alive for the selector's
    // OnStart/OnDone: no copy of the node on a call's path.
    std::shared_ptr<const NodeList> nodes;
    const registry::Node* node = nullptr;
  };

  Result<Target> Pick(const Context& ctx, const std::string& service, const CallOptions& opts) {
    if (!transport_) return transport_error_;
    if (!opts.address.empty()) return Target{opts.address, nullptr, nullptr, nullptr};
    if (!selector_error_.ok()) return selector_error_;
    auto nodes = cache_.Nodes(service);
    if (!nodes.ok()) return nodes.status();
    if ((*nodes)->empty()) {
      nodes = cache_.Refresh(service);
      if (!nodes.ok()) return nodes.status();
      if ((*nodes)->empty()) {
        return Status::Unavailable("no instances of service '" + service + "' are registered");
      }
    }
    // Only nodes that speak our protocol are candidates.
    std::shared_ptr<const NodeList> candidates = *nodes;
    std::vector<const registry::Node*> speaking;
    speaking.reserve(candidates->size());
    for (const auto& n : *candidates) {
      if (n.ports.count(options_.protocol)) speaking.push_back(&n);
    }
    if (speaking.empty()) {
      return Status::Unavailable("no instance of service '" + service + "' serves " +
                                 options_.protocol);
    }
    selector::Selector* sel = SelectorFor(service);
    auto chosen = sel->Select(speaking, ctx);
    if (!chosen.ok()) return chosen.status();
    const registry::Node* node = *chosen;
    return Target{node->Address(options_.protocol), sel, std::move(candidates), node};
  }

  // Applies the client's default timeout and the per-call bound to a copy of `ctx` only
  // when needed, so the common case (caller set a deadline) copies nothing.
  Context* Bound(Context& ctx, const CallOptions& opts, std::optional<Context>& storage) {
    bool need_default = !ctx.has_deadline() && options_.default_timeout.count() > 0;
    bool need_bound = opts.timeout.count() > 0;
    if (!need_default && !need_bound) return &ctx;
    storage.emplace(ctx);
    if (need_default) storage->SetTimeout(options_.default_timeout);
    if (need_bound) storage->ShortenDeadline(Context::Clock::now() + opts.timeout);
    return &*storage;
  }

  ClientOptions options_;
  DiscoveryCache cache_;
  std::unique_ptr<ClientTransport> transport_;
  Status transport_error_;
  Status selector_error_;

 private:
  selector::Selector* SelectorFor(const std::string& service) {
    {
      std::shared_lock lock(selectors_mu_);
      auto it = selectors_.find(service);
      if (it != selectors_.end()) return it->second.get();
    }
    std::unique_lock lock(selectors_mu_);
    auto& slot = selectors_[service];
    if (!slot) slot = std::move(*selector::SelectorPlugins().Create(options_.selector));
    return slot.get();
  }

  std::shared_mutex selectors_mu_;
  std::map<std::string, std::unique_ptr<selector::Selector>> selectors_;
};

Client::Client(std::shared_ptr<registry::Registry> registry, ClientOptions options)
    : registry_(registry), impl_(std::make_unique<Impl>(std::move(registry), std::move(options))) {}

Client::~Client() = default;

Status Client::Call(Context& ctx, const std::string& service, const std::string& method_path,
                    const google::protobuf::Message& request, google::protobuf::Message* response,
                    const CallOptions& options) {
  std::optional<Context> storage;
  Context* call_ctx = impl_->Bound(ctx, options, storage);
  auto target = impl_->Pick(*call_ctx, service, options);
  if (!target.ok()) return target.status();
  if (target->selector == nullptr) {
    return impl_->transport_->Call(*call_ctx, target->address, method_path, request, response);
  }
  target->selector->OnStart(*target->node);
  auto start = Context::Clock::now();
  Status s = impl_->transport_->Call(*call_ctx, target->address, method_path, request, response);
  target->selector->OnDone(*target->node, s, Context::Clock::now() - start);
  return s;
}

void Client::CallAsync(Context& ctx, const std::string& service, const std::string& method_path,
                       const google::protobuf::Message& request,
                       google::protobuf::Message* response, std::function<void(Status)> done,
                       const CallOptions& options) {
  std::optional<Context> storage;
  Context* call_ctx = impl_->Bound(ctx, options, storage);
  auto target = impl_->Pick(*call_ctx, service, options);
  if (!target.ok()) {
    done(target.status());
    return;
  }
  if (target->selector == nullptr) {
    impl_->transport_->CallAsync(*call_ctx, target->address, method_path, request, response,
                                 std::move(done));
    return;
  }
  selector::Selector* sel = target->selector;
  sel->OnStart(*target->node);
  auto start = Context::Clock::now();
  impl_->transport_->CallAsync(*call_ctx, target->address, method_path, request, response,
                               [sel, nodes = std::move(target->nodes), node = target->node, start,
                                done = std::move(done)](Status s) {
                                 sel->OnDone(*node, s, Context::Clock::now() - start);
                                 done(std::move(s));
                               });
}

Result<std::unique_ptr<ClientStream>> Client::OpenStream(Context& ctx, const std::string& service,
                                                         const std::string& method_path,
                                                         const CallOptions& options) {
  std::optional<Context> storage;
  Context* call_ctx = impl_->Bound(ctx, options, storage);
  auto target = impl_->Pick(*call_ctx, service, options);
  if (!target.ok()) return target.status();
  return impl_->transport_->OpenStream(*call_ctx, target->address, method_path);
}

}  // namespace micro::client

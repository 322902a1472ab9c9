// Governance: installs the configured policies once, behind on/off switches, and swaps
// their rules on every config change (see governance.h for the order and the semantics).
#include <micro/governance/governance.h>

#include <set>
#include <sstream>

#include <micro/log/log.h>
#include <micro/selector/filters.h>

namespace micro::governance {

namespace {

// A policy's place in a chain, kept even when its section is removed: switched off, it
// passes calls straight through (one relaxed load), so a chain never changes under traffic.
class ClientSwitch final : public client::ClientInterceptor {
 public:
  explicit ClientSwitch(std::shared_ptr<client::ClientInterceptor> inner)
      : inner_(std::move(inner)) {}
  void Set(bool on) { on_.store(on, std::memory_order_relaxed); }
  // client::ClientInterceptor
  void Intercept(Context& ctx, client::ClientCall& call, client::ClientNext next,
                 client::Done done) override {
    if (on_.load(std::memory_order_relaxed)) {
      inner_->Intercept(ctx, call, std::move(next), std::move(done));
    } else {
      next(ctx, call, std::move(done));
    }
  }

 private:
  std::shared_ptr<client::ClientInterceptor> inner_;
  std::atomic<bool> on_{true};
};

class FilterSwitch final : public selector::RouteFilter {
 public:
  explicit FilterSwitch(std::shared_ptr<selector::RouteFilter> inner) : inner_(std::move(inner)) {}
  void Set(bool on) { on_.store(on, std::memory_order_relaxed); }
  // selector::RouteFilter
  void Filter(const Context& ctx, const selector::CallTarget& target,
              selector::NodeSet& nodes) override {
    if (on_.load(std::memory_order_relaxed)) inner_->Filter(ctx, target, nodes);
  }

 private:
  std::shared_ptr<selector::RouteFilter> inner_;
  std::atomic<bool> on_{true};
};

class ServerSwitch final : public server::Interceptor {
 public:
  explicit ServerSwitch(std::shared_ptr<server::Interceptor> inner) : inner_(std::move(inner)) {}
  void Set(bool on) { on_.store(on, std::memory_order_relaxed); }
  // server::Interceptor
  Status Intercept(Context& ctx, const server::CallInfo& call, server::Next next) override {
    if (on_.load(std::memory_order_relaxed)) return inner_->Intercept(ctx, call, next);
    return next(ctx);
  }

 private:
  std::shared_ptr<server::Interceptor> inner_;
  std::atomic<bool> on_{true};
};

// Lane, version weights (per service) and locality, in the order filters.h prescribes,
// swapped whole on reload.
class RoutingFilter final : public selector::RouteFilter {
 public:
  explicit RoutingFilter(const RoutingConfig& config) { Set(config); }

  void Set(const RoutingConfig& config) {
    auto routes = std::make_shared<Routes>();
    if (config.lanes) routes->lane = std::make_shared<selector::LaneFilter>();
    for (const auto& [service, routing] : config.services) {
      if (routing.versions.empty()) continue;
      routes->versions.emplace(service,
                               std::make_shared<selector::VersionWeightsFilter>(
                                   selector::VersionWeightsOptions{.weights = routing.versions}));
    }
    if (!config.zone.empty()) {
      routes->locality = std::make_shared<selector::LocalityFilter>(
          selector::LocalityFilterOptions{.zone = config.zone});
    }
    routes_.store(std::move(routes));
  }

  // selector::RouteFilter
  void Filter(const Context& ctx, const selector::CallTarget& target,
              selector::NodeSet& nodes) override {
    std::shared_ptr<const Routes> routes = routes_.load();
    if (routes->lane) routes->lane->Filter(ctx, target, nodes);
    if (auto it = routes->versions.find(target.service); it != routes->versions.end()) {
      it->second->Filter(ctx, target, nodes);
    }
    if (routes->locality) routes->locality->Filter(ctx, target, nodes);
  }

 private:
  struct Routes {
    std::shared_ptr<selector::RouteFilter> lane;
    std::map<std::string, std::shared_ptr<selector::RouteFilter>, std::less<>> versions;
    std::shared_ptr<selector::RouteFilter> locality;
  };
  std::atomic<std::shared_ptr<const Routes>> routes_;
};

void LogBreaker(std::string_view name, BreakerState from, BreakerState to) {
  MICRO_LOG_WARN({}, "circuit breaker state changed", {"breaker", name},
                 {"from", BreakerStateName(from)}, {"to", BreakerStateName(to)});
}

void LogEjection(std::string_view service, std::string_view node, bool ejected,
                 std::chrono::milliseconds duration, std::string_view reason) {
  MICRO_LOG_WARN({}, ejected ? "endpoint ejected" : "endpoint back in rotation",
                 {"service", service}, {"node", node}, {"duration", duration}, {"reason", reason});
}

// Retry and hedging rules as installed: each leaves to the other the methods the other's
// more specific rule claims (rules.h).
RetryRules InstalledRetryRules(const ClientGovernance& c) {
  return c.hedging ? RetryBesideHedging(c.retry->rules, *c.hedging) : c.retry->rules;
}
HedgingRules InstalledHedgingRules(const ClientGovernance& c) {
  return c.retry ? HedgingBesideRetry(*c.hedging, c.retry->rules) : *c.hedging;
}

// Whether the subtree at `path` differs between two `governance` trees.
bool Changed(const config::Value& before, const config::Value& after, std::string_view path) {
  const config::Value* a = before.Find(path);
  const config::Value* b = after.Find(path);
  if (a == nullptr || b == nullptr) return a != b;
  return !(*a == *b);
}

}  // namespace

struct Governance::Parts {
  std::string base_selector;  // the client's selector when governance names none
  GovernanceConfig config;    // what is applied now
  config::Value tree;         // ... and the tree it came from

  std::shared_ptr<MethodBreakerInterceptor> breaker;
  std::shared_ptr<ClientSwitch> breaker_switch;
  std::shared_ptr<RetryInterceptor> retry;
  std::shared_ptr<ClientSwitch> retry_switch;
  std::shared_ptr<HedgingInterceptor> hedging;
  std::shared_ptr<ClientSwitch> hedging_switch;
  std::shared_ptr<EndpointBreakers> endpoint;
  std::shared_ptr<ClientSwitch> endpoint_switch;
  std::shared_ptr<FilterSwitch> endpoint_filter;
  std::shared_ptr<OutlierEjection> outlier;
  std::shared_ptr<ClientSwitch> outlier_switch;
  std::shared_ptr<FilterSwitch> outlier_filter;
  std::shared_ptr<RoutingFilter> routing;
  std::shared_ptr<FilterSwitch> routing_switch;

  std::shared_ptr<ShedderInterceptor> shedder;
  std::shared_ptr<ServerSwitch> shedder_switch;
  std::shared_ptr<BulkheadInterceptor> bulkhead;
  std::shared_ptr<ServerSwitch> bulkhead_switch;
  std::shared_ptr<RateLimitInterceptor> rate_limit;
  std::shared_ptr<ServerSwitch> rate_limit_switch;

  std::shared_ptr<GovernanceMetrics> metrics;  // null: no policy, or metrics off
  metrics::Registry* metrics_registry = nullptr;
  uint64_t state_collector = 0;  // breaker states, ejected nodes (0: none)

  // Global limiters of rate-limit rules with `redis:`, by their options: an edit that keeps
  // a rule's options keeps its limiter (and its lease and connection).
  std::map<std::string, std::shared_ptr<Limiter>> redis;

  client::Client* client = nullptr;
  bool server_installed = false;
  // Services whose own selector was removed: set back to the default, and kept there.
  std::set<std::string> released;

  void ApplySelectors(const RoutingConfig& before, const RoutingConfig& after, bool initial);
  // The rate-limit rules of `server`, their Redis limiters built or reused.
  Result<std::vector<RateLimitRule>> RateLimitRules(const ServerGovernance& server);
};

namespace {

std::string Fingerprint(const RedisLimiterOptions& o) {
  std::ostringstream out;
  out << o.url << '\n'
      << o.key << '\n'
      << o.rate << ' ' << o.burst << ' ' << o.expected_processes << ' ' << o.fallback_rate << ' '
      << o.lease_period.count() << ' ' << o.max_lease << ' ' << o.reconnect_min.count() << ' '
      << o.reconnect_max.count();
  return out.str();
}

}  // namespace

Result<std::vector<RateLimitRule>> Governance::Parts::RateLimitRules(
    const ServerGovernance& server) {
  std::vector<RateLimitRule> rules = server.rate_limit.value_or(std::vector<RateLimitRule>{});
  std::map<std::string, std::shared_ptr<Limiter>> used;
  for (const auto& [index, options] : server.redis_limits) {
    if (index >= rules.size()) continue;
    std::string key = Fingerprint(options);
    std::shared_ptr<Limiter>& limiter = used[key];
    if (!limiter) {
      if (auto it = redis.find(key); it != redis.end()) limiter = it->second;
    }
    if (!limiter) {
      auto created = RedisLimiter::Create(options);
      if (!created.ok()) {
        return Status(created.status().code(), "governance.server.rate_limit.rules." +
                                                   std::to_string(index) +
                                                   ".redis: " + created.status().message());
      }
      limiter = std::shared_ptr<Limiter>(std::move(*created));
    }
    rules[index].shared_limiter = limiter;
  }
  redis = std::move(used);
  return rules;
}

void Governance::Parts::ApplySelectors(const RoutingConfig& before, const RoutingConfig& after,
                                       bool initial) {
  auto set = [](Status s, std::string_view what) {
    if (!s.ok())
      MICRO_LOG_ERROR({}, "governance: selector not changed", {"for", what}, {"error", s});
  };
  std::string old_default = before.selector.empty() ? base_selector : before.selector;
  std::string new_default = after.selector.empty() ? base_selector : after.selector;
  bool default_changed = initial ? !after.selector.empty() : old_default != new_default;
  if (default_changed) set(client->SetDefaultSelector(new_default), "default");
  for (const auto& [name, routing] : after.services) {
    if (routing.selector.empty()) continue;
    auto old = before.services.find(name);
    bool same =
        !initial && old != before.services.end() && old->second.selector == routing.selector;
    if (!same) set(client->SetSelector(name, routing.selector), name);
    released.erase(name);
  }
  if (initial) return;
  for (const auto& [name, routing] : before.services) {
    if (routing.selector.empty()) continue;
    auto now = after.services.find(name);
    if (now != after.services.end() && !now->second.selector.empty()) continue;
    released.insert(name);
    set(client->SetSelector(name, new_default), name);
  }
  if (default_changed) {
    for (const auto& name : released) set(client->SetSelector(name, new_default), name);
  }
}

Governance::Governance() : parts_(std::make_unique<Parts>()) {}

Governance::~Governance() {
  if (config_) config_->Unwatch(watch_);
  // First: the collector reads the policies freed below (waits for a scrape running it).
  if (parts_->state_collector != 0) {
    parts_->metrics_registry->RemoveCollector(parts_->state_collector);
  }
}

Result<std::unique_ptr<Governance>> Governance::Create(const config::Value& tree,
                                                       std::string default_selector,
                                                       metrics::Registry* registry) {
  auto parsed = ParseGovernance(tree);
  if (!parsed.ok()) return parsed.status();
  const GovernanceConfig& c = *parsed;
  std::unique_ptr<Governance> g(new Governance());
  Parts& p = *g->parts_;
  p.base_selector = std::move(default_selector);

  // Metrics only when some policy is installed: no section, no series.
  const bool any_policy = c.client.breaker || c.client.retry || c.client.endpoint_breaker ||
                          c.client.outlier || c.server.shedding || c.server.bulkhead ||
                          c.server.rate_limit;
  if (registry != nullptr && any_policy) {
    auto m = GovernanceMetrics::Create(*registry);
    if (!m.ok()) return m.status();
    p.metrics = std::move(*m);
    p.metrics_registry = registry;
  }

  if (c.client.breaker) {
    p.breaker = std::make_shared<MethodBreakerInterceptor>(*c.client.breaker, LogBreaker);
    p.breaker->SetMetrics(p.metrics);
    p.breaker_switch = std::make_shared<ClientSwitch>(p.breaker);
  }
  if (c.client.retry) {
    p.retry =
        std::make_shared<RetryInterceptor>(InstalledRetryRules(c.client), c.client.retry->budget);
    p.retry->SetMetrics(p.metrics);
    p.retry_switch = std::make_shared<ClientSwitch>(p.retry);
  }
  if (c.client.hedging) {
    // Hedges are retries to the budget: with a retry section they share its budgets.
    HedgingEnv env;
    if (p.retry) {
      env.budget_for = [retry = p.retry](std::string_view service) {
        return retry->Budget(service);
      };
    }
    p.hedging = std::make_shared<HedgingInterceptor>(InstalledHedgingRules(c.client),
                                                     RetryBudgetOptions(), std::move(env));
    p.hedging_switch = std::make_shared<ClientSwitch>(p.hedging);
  }
  if (c.client.endpoint_breaker) {
    p.endpoint = std::make_shared<EndpointBreakers>(*c.client.endpoint_breaker, LogBreaker);
    p.endpoint->SetMetrics(p.metrics);
    p.endpoint_switch = std::make_shared<ClientSwitch>(p.endpoint);
    p.endpoint_filter = std::make_shared<FilterSwitch>(p.endpoint);
  }
  if (c.client.outlier) {
    EjectionListener listener = LogEjection;
    if (p.metrics) {
      listener = [m = p.metrics](std::string_view service, std::string_view node, bool ejected,
                                 std::chrono::milliseconds duration, std::string_view reason) {
        if (ejected) m->Ejected(service, reason);
        LogEjection(service, node, ejected, duration, reason);
      };
    }
    p.outlier = std::make_shared<OutlierEjection>(
        std::make_shared<OutlierDetector>(*c.client.outlier, std::move(listener)));
    p.outlier_switch = std::make_shared<ClientSwitch>(p.outlier);
    p.outlier_filter = std::make_shared<FilterSwitch>(p.outlier);
  }
  if (tree.Find("client") != nullptr) {
    p.routing = std::make_shared<RoutingFilter>(c.client.routing);
    p.routing_switch = std::make_shared<FilterSwitch>(p.routing);
  }
  if (c.server.shedding) {
    auto shedder = ShedderInterceptor::Create(*c.server.shedding);
    if (!shedder.ok()) return shedder.status();
    p.shedder = std::move(*shedder);
    p.shedder->SetMetrics(p.metrics);
    p.shedder_switch = std::make_shared<ServerSwitch>(p.shedder);
  }
  if (c.server.bulkhead) {
    auto bulkhead = BulkheadInterceptor::Create(*c.server.bulkhead);
    if (!bulkhead.ok()) return bulkhead.status();
    p.bulkhead = std::move(*bulkhead);
    p.bulkhead->SetMetrics(p.metrics);
    p.bulkhead_switch = std::make_shared<ServerSwitch>(p.bulkhead);
  }
  if (c.server.rate_limit) {
    auto rules = p.RateLimitRules(c.server);
    if (!rules.ok()) return rules.status();
    auto limits = RateLimitInterceptor::Create(std::move(*rules));
    if (!limits.ok()) return limits.status();
    p.rate_limit = std::move(*limits);
    p.rate_limit->SetMetrics(p.metrics);
    p.rate_limit_switch = std::make_shared<ServerSwitch>(p.rate_limit);
  }
  if (p.metrics && (p.breaker || p.endpoint || p.outlier)) {
    p.state_collector = p.metrics->AddStateCollector(p.breaker.get(), p.endpoint.get(),
                                                     p.outlier ? &p.outlier->detector() : nullptr);
  }
  p.config = std::move(*parsed);
  p.tree = tree;
  return g;
}

Result<std::unique_ptr<Governance>> Governance::FromConfig(std::shared_ptr<config::Config> config,
                                                           std::string default_selector,
                                                           metrics::Registry* registry) {
  config::Value tree;
  if (config) {
    auto found = config->GetValue("governance");
    if (found.ok()) {
      tree = std::move(*found);
    } else if (found.status().code() != StatusCode::kNotFound) {
      return found.status();
    }
  }
  auto g = Create(tree, std::move(default_selector), registry);
  if (!g.ok() || !config) return g;
  Governance* self = g->get();
  self->config_ = std::move(config);
  // Watch callbacks run one at a time on the reloading thread (config.h).
  self->watch_ = self->config_->Watch("governance", [self](const config::Config& c) {
    auto found = c.GetValue("governance");
    Status s = self->Reload(found.ok() ? *found : config::Value());
    if (!s.ok()) {
      MICRO_LOG_ERROR({}, "governance rules not changed: the new config is invalid", {"error", s});
    } else {
      MICRO_LOG_INFO({}, "governance rules reloaded");
    }
  });
  return g;
}

void Governance::InstallServer(server::Server& server) {
  std::lock_guard lock(mu_);
  Parts& p = *parts_;
  if (p.server_installed) return;
  p.server_installed = true;
  // Shed first (cheapest rejection under overload), then per-method concurrency, then rates.
  if (p.shedder_switch) server.Use(p.shedder_switch);
  if (p.bulkhead_switch) server.Use(p.bulkhead_switch);
  if (p.rate_limit_switch) server.Use(p.rate_limit_switch);
}

Status Governance::InstallClient(client::Client& client) {
  std::lock_guard lock(mu_);
  Parts& p = *parts_;
  if (p.client != nullptr)
    return Status::FailedPrecondition("governance: client already installed");
  p.client = &client;
  // The breaker judges whole calls (its rejections are not retried or hedged); hedging and
  // retries inside it. A method is hedged or retried, not both, so their order matters
  // little; hedging goes first so that it sees the caller's call, not one retry of it.
  if (p.breaker_switch) client.Use(p.breaker_switch);
  if (p.hedging_switch) client.Use(p.hedging_switch);
  if (p.retry_switch) client.Use(p.retry_switch);
  if (p.endpoint_switch) client.UseAttempt(p.endpoint_switch);
  if (p.outlier_switch) client.UseAttempt(p.outlier_switch);
  // Health first, so that routing rules choose among healthy nodes and fall back (to
  // another zone, another version) instead of keeping only failing ones.
  if (p.endpoint_filter) client.AddRouteFilter(p.endpoint_filter);
  if (p.outlier_filter) client.AddRouteFilter(p.outlier_filter);
  if (p.routing_switch) client.AddRouteFilter(p.routing_switch);
  p.ApplySelectors(RoutingConfig{}, p.config.client.routing, /*initial=*/true);
  return {};
}

Status Governance::Reload(const config::Value& tree) {
  auto parsed = ParseGovernance(tree);
  std::lock_guard lock(mu_);
  reloads_.fetch_add(1);
  if (!parsed.ok()) {
    last_reload_ = parsed.status();
    return last_reload_;
  }
  last_reload_ = ApplyLocked(*parsed, tree);
  return last_reload_;
}

Status Governance::ApplyLocked(const GovernanceConfig& next, const config::Value& tree) {
  Parts& p = *parts_;
  const config::Value& before = p.tree;
  std::vector<std::string> added;  // sections that need a restart to be installed
  auto changed = [&](std::string_view path) { return Changed(before, tree, path); };

  if (p.breaker) {
    p.breaker_switch->Set(next.client.breaker.has_value());
    if (next.client.breaker && changed("client.breaker")) p.breaker->SetRules(*next.client.breaker);
  } else if (next.client.breaker) {
    added.emplace_back("client.breaker");
  }
  // Retry and hedging rules depend on each other (InstalledRetryRules).
  const bool retry_rules_changed = changed("client.retry");
  const bool hedging_changed = changed("client.hedging");
  if (p.retry) {
    p.retry_switch->Set(next.client.retry.has_value());
    if (next.client.retry) {
      if (retry_rules_changed || hedging_changed) {
        p.retry->SetRules(InstalledRetryRules(next.client));
      }
      if (changed("client.retry.budget")) p.retry->SetBudget(next.client.retry->budget);
    }
  } else if (next.client.retry) {
    added.emplace_back("client.retry");
  }
  if (p.hedging) {
    p.hedging_switch->Set(next.client.hedging.has_value());
    if (next.client.hedging && (hedging_changed || retry_rules_changed)) {
      p.hedging->SetRules(InstalledHedgingRules(next.client));
    }
  } else if (next.client.hedging) {
    added.emplace_back("client.hedging");
  }
  if (p.endpoint) {
    bool on = next.client.endpoint_breaker.has_value();
    p.endpoint_switch->Set(on);
    p.endpoint_filter->Set(on);
    if (on && changed("client.endpoint_breaker"))
      p.endpoint->SetRules(*next.client.endpoint_breaker);
  } else if (next.client.endpoint_breaker) {
    added.emplace_back("client.endpoint_breaker");
  }
  if (p.outlier) {
    bool on = next.client.outlier.has_value();
    p.outlier_switch->Set(on);
    p.outlier_filter->Set(on);
    if (on && changed("client.outlier")) p.outlier->detector().SetRules(*next.client.outlier);
  } else if (next.client.outlier) {
    added.emplace_back("client.outlier");
  }
  bool client_present = tree.Find("client") != nullptr;
  if (p.routing) {
    p.routing_switch->Set(client_present);
    if (!(next.client.routing == p.config.client.routing)) p.routing->Set(next.client.routing);
  } else if (client_present) {
    added.emplace_back("client (routing filters)");
  }
  if (p.client != nullptr) p.ApplySelectors(p.config.client.routing, next.client.routing, false);

  Status result;
  auto update = [&](Status s, std::string_view what) {
    if (!s.ok() && result.ok()) result = Status(s.code(), std::string(what) + ": " + s.message());
  };
  if (p.shedder) {
    p.shedder_switch->Set(next.server.shedding.has_value());
    if (next.server.shedding && changed("server.shedding")) {
      update(p.shedder->Update(*next.server.shedding), "governance.server.shedding");
    }
  } else if (next.server.shedding) {
    added.emplace_back("server.shedding");
  }
  if (p.bulkhead) {
    p.bulkhead_switch->Set(next.server.bulkhead.has_value());
    if (next.server.bulkhead && changed("server.bulkhead")) {
      update(p.bulkhead->Update(*next.server.bulkhead), "governance.server.bulkhead");
    }
  } else if (next.server.bulkhead) {
    added.emplace_back("server.bulkhead");
  }
  if (p.rate_limit) {
    p.rate_limit_switch->Set(next.server.rate_limit.has_value());
    if (next.server.rate_limit && changed("server.rate_limit")) {
      auto rules = p.RateLimitRules(next.server);
      update(rules.ok() ? p.rate_limit->Update(std::move(*rules)) : rules.status(),
             "governance.server.rate_limit");
    }
  } else if (next.server.rate_limit) {
    added.emplace_back("server.rate_limit");
  }
  for (const auto& section : added) {
    std::string key = "governance." + section;
    MICRO_LOG_WARN({}, "governance section added while running: it takes effect at the next start",
                   {"section", key});
  }
  p.config = next;
  p.tree = tree;
  return result;
}

Status Governance::last_reload_status() const {
  std::lock_guard lock(mu_);
  return last_reload_;
}

std::shared_ptr<RetryInterceptor> Governance::retry() const { return parts_->retry; }
std::shared_ptr<HedgingInterceptor> Governance::hedging() const { return parts_->hedging; }
std::shared_ptr<MethodBreakerInterceptor> Governance::method_breakers() const {
  return parts_->breaker;
}
std::shared_ptr<EndpointBreakers> Governance::endpoint_breakers() const { return parts_->endpoint; }
std::shared_ptr<OutlierEjection> Governance::outlier() const { return parts_->outlier; }
std::shared_ptr<RateLimitInterceptor> Governance::rate_limit() const { return parts_->rate_limit; }
std::shared_ptr<BulkheadInterceptor> Governance::bulkhead() const { return parts_->bulkhead; }
std::shared_ptr<ShedderInterceptor> Governance::shedder() const { return parts_->shedder; }
std::shared_ptr<GovernanceMetrics> Governance::metrics() const { return parts_->metrics; }

}  // namespace micro::governance

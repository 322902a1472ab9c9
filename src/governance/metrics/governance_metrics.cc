// GovernanceMetrics: counter families registered once, per-method handles cached behind an
// atomically published map, breaker counters kept by the breakers themselves, and a
// scrape-time collector for the states (which the policies own).
#include <micro/governance/metrics.h>

#include <algorithm>

#include <micro/governance/endpoint_breaker.h>
#include <micro/governance/method_breaker.h>
#include <micro/governance/outlier.h>

namespace micro::governance {

namespace {

// "/pkg.Service/Method" -> ("pkg.Service", "Method"), as the RPC metrics split it; anything
// else is all method.
std::pair<std::string, std::string> SplitPath(std::string_view path) {
  size_t slash = path.size() > 1 ? path.find('/', 1) : std::string_view::npos;
  if (path.starts_with('/') && slash != std::string_view::npos) {
    return {std::string(path.substr(1, slash - 1)), std::string(path.substr(slash + 1))};
  }
  return {std::string(), std::string(path)};
}

constexpr BreakerState kStates[] = {BreakerState::kClosed, BreakerState::kOpen,
                                    BreakerState::kHalfOpen};

// Which of two states a series shows when several breakers share its labels (the same
// method called under two registry names): the one that refuses more.
int Severity(BreakerState s) {
  switch (s) {
    case BreakerState::kClosed:
      return 0;
    case BreakerState::kHalfOpen:
      return 1;
    case BreakerState::kOpen:
      return 2;
  }
  return 0;
}

// One StateSet-style family: for each label set, a sample per state, 1 for the current one.
metrics::FamilySnapshot StateFamily(
    std::string name, std::string help, std::string_view second_label,
    const std::map<std::pair<std::string, std::string>, BreakerState>& states) {
  metrics::FamilySnapshot f{
      .name = name, .help = std::move(help), .type = metrics::MetricType::kGauge};
  for (const auto& [labels, state] : states) {
    for (BreakerState s : kStates) {
      f.samples.push_back({name,
                           {{"service", labels.first},
                            {std::string(second_label), labels.second},
                            {"state", std::string(BreakerStateName(s))}},
                           s == state ? 1.0 : 0.0});
    }
  }
  return f;
}

}  // namespace

std::string_view LimitPolicyName(LimitPolicy policy) {
  switch (policy) {
    case LimitPolicy::kRateLimit:
      return "rate_limit";
    case LimitPolicy::kBulkhead:
      return "bulkhead";
    case LimitPolicy::kShedder:
      return "shedder";
  }
  return "unknown";
}

template <typename Make>
GovernanceMetrics::MethodSeries& GovernanceMetrics::SeriesCache::Get(std::string_view key,
                                                                     Make&& make) {
  if (const Map* map = map_.load(std::memory_order_acquire)) {
    auto it = map->find(key);
    if (it != map->end()) return *it->second;
  }
  std::lock_guard lock(mu_);
  const Map* current = map_.load(std::memory_order_acquire);
  if (current) {
    auto it = current->find(key);
    if (it != current->end()) return *it->second;
  }
  auto series = std::make_unique<MethodSeries>();
  make(*series);
  auto next = std::make_unique<Map>(current ? *current : Map{});
  next->emplace(std::string(key), series.get());
  map_.store(next.get(), std::memory_order_release);
  maps_.push_back(std::move(next));
  series_.push_back(std::move(series));
  return *series_.back();
}

Result<std::shared_ptr<GovernanceMetrics>> GovernanceMetrics::Create(metrics::Registry& registry) {
  std::shared_ptr<GovernanceMetrics> m(new GovernanceMetrics(registry));
  struct Spec {
    metrics::Family<metrics::Counter>** family;
    const char* name;
    const char* help;
    std::vector<std::string> labels;
  };
  const Spec specs[] = {
      {&m->breaker_transitions_,
       "micro_breaker_transitions_total",
       "State changes of method circuit breakers, by the state entered.",
       {"service", "method", "to"}},
      {&m->breaker_rejections_,
       "micro_breaker_rejections_total",
       "Calls failed at once (UNAVAILABLE, not sent) by an open method circuit breaker.",
       {"service", "method"}},
      {&m->endpoint_transitions_,
       "micro_endpoint_breaker_transitions_total",
       "State changes of endpoint circuit breakers, by the state entered.",
       {"service", "node", "to"}},
      {&m->endpoint_rejections_,
       "micro_endpoint_breaker_rejections_total",
       "Attempts failed at once (UNAVAILABLE, not sent) by an open endpoint circuit breaker.",
       {"service", "node"}},
      {&m->limiter_rejections_,
       "micro_limiter_rejections_total",
       "Calls refused with RESOURCE_EXHAUSTED by a server policy (rate_limit, bulkhead, "
       "shedder).",
       {"service", "method", "limiter"}},
      {&m->retries_,
       "micro_retries_total",
       "Retries sent (attempts after a call's first).",
       {"service", "method"}},
      {&m->budget_exhausted_,
       "micro_retry_budget_exhausted_total",
       "Retries not sent because the service's retry budget had none left.",
       {"service", "method"}},
      {&m->ejections_,
       "micro_outlier_ejections_total",
       "Nodes ejected from load balancing by outlier detection, by reason.",
       {"service", "reason"}},
  };
  for (const Spec& spec : specs) {
    auto family =
        registry.AddCounter({.name = spec.name, .help = spec.help, .labels = spec.labels});
    if (!family.ok()) return family.status();
    *spec.family = *family;
  }
  return m;
}

GovernanceMetrics::~GovernanceMetrics() = default;

GovernanceMetrics::MethodSeries& GovernanceMetrics::ServerSeries(const server::Method& method) {
  thread_local std::string key;  // no allocation once warm
  key.assign("/").append(method.service).append("/").append(method.name);
  return server_series_.Get(key, [&](MethodSeries& s) {
    s.service = method.service;
    s.method = method.name;
  });
}

GovernanceMetrics::MethodSeries& GovernanceMetrics::ClientSeries(std::string_view path) {
  return client_series_.Get(path, [&](MethodSeries& s) {
    std::tie(s.service, s.method) = SplitPath(path);
    s.retries = &retries_->WithLabels({s.service, s.method});
    s.budget_exhausted = &budget_exhausted_->WithLabels({s.service, s.method});
  });
}

void GovernanceMetrics::Rejected(LimitPolicy policy, const server::Method& method) {
  MethodSeries& s = ServerSeries(method);
  auto& slot = s.limiter[static_cast<size_t>(policy)];
  metrics::Counter* c = slot.load(std::memory_order_acquire);
  if (c == nullptr) {
    // First rejection by this policy: WithLabels returns the same child to racing threads.
    c = &limiter_rejections_->WithLabels({s.service, s.method, LimitPolicyName(policy)});
    slot.store(c, std::memory_order_release);
  }
  c->Inc();
}

void GovernanceMetrics::Retried(std::string_view path) { ClientSeries(path).retries->Inc(); }

void GovernanceMetrics::RetryBudgetExhausted(std::string_view path) {
  ClientSeries(path).budget_exhausted->Inc();
}

const BreakerCounters* GovernanceMetrics::Breaker(bool endpoint, const std::string& a,
                                                  const std::string& b) {
  std::lock_guard lock(breakers_mu_);
  auto& slot = breakers_[{endpoint, a + '\0' + b}];
  if (!slot) {
    auto c = std::make_unique<BreakerCounters>();
    auto* transitions = endpoint ? endpoint_transitions_ : breaker_transitions_;
    auto* rejections = endpoint ? endpoint_rejections_ : breaker_rejections_;
    c->rejections = &rejections->WithLabels({a, b});
    for (BreakerState s : kStates) {
      c->transitions[static_cast<size_t>(s)] =
          &transitions->WithLabels({a, b, BreakerStateName(s)});
    }
    slot = std::move(c);
  }
  return slot.get();
}

const BreakerCounters* GovernanceMetrics::MethodBreaker(std::string_view path) {
  auto [service, method] = SplitPath(path);
  return Breaker(false, service, method);
}

const BreakerCounters* GovernanceMetrics::EndpointBreaker(std::string_view service,
                                                          std::string_view node_id) {
  return Breaker(true, std::string(service), std::string(node_id));
}

void GovernanceMetrics::Ejected(std::string_view service, std::string_view reason) {
  ejections_->WithLabels({service, reason}).Inc();
  std::lock_guard lock(breakers_mu_);
  if (!ejected_services_.contains(service)) ejected_services_.emplace(service);
}

uint64_t GovernanceMetrics::AddStateCollector(MethodBreakerInterceptor* breakers,
                                              EndpointBreakers* endpoints,
                                              OutlierDetector* outlier) {
  return registry_.AddCollector([this, breakers, endpoints,
                                 outlier](std::vector<metrics::FamilySnapshot>* out) {
    using States = std::map<std::pair<std::string, std::string>, BreakerState>;
    auto merge = [](States& states, std::pair<std::string, std::string> labels, BreakerState s) {
      auto [it, added] = states.emplace(std::move(labels), s);
      if (!added && Severity(s) > Severity(it->second)) it->second = s;
    };
    if (breakers != nullptr) {
      States states;
      breakers->ForEachBreaker([&](std::string_view, std::string_view path, BreakerState s) {
        merge(states, SplitPath(path), s);
      });
      out->push_back(StateFamily("micro_breaker_state",
                                 "Method circuit breakers: 1 for the state each is in, 0 for the "
                                 "others.",
                                 "method", states));
    }
    if (endpoints != nullptr) {
      States states;
      endpoints->ForEachBreaker(
          [&](std::string_view service, std::string_view node, BreakerState s) {
            merge(states, {std::string(service), std::string(node)}, s);
          });
      out->push_back(StateFamily("micro_endpoint_breaker_state",
                                 "Endpoint circuit breakers: 1 for the state each is in, 0 for "
                                 "the others.",
                                 "node", states));
    }
    if (outlier != nullptr) {
      std::vector<std::string> services;
      {
        std::lock_guard lock(breakers_mu_);
        services.assign(ejected_services_.begin(), ejected_services_.end());
      }
      metrics::FamilySnapshot f{.name = "micro_outlier_ejected",
                                .help = "Nodes ejected by outlier detection right now.",
                                .type = metrics::MetricType::kGauge};
      for (const std::string& service : services) {
        f.samples.push_back(
            {f.name, {{"service", service}}, static_cast<double>(outlier->EjectedCount(service))});
      }
      out->push_back(std::move(f));
    }
  });
}

}  // namespace micro::governance

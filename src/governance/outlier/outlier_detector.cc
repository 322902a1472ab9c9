#include <micro/governance/outlier.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace micro::governance {
namespace {

using std::chrono::milliseconds;

// Nodes that may be ejected at once among `total`: the configured share, but at least
// one when there are two or more (a lone node is never worth ejecting).
size_t EjectionCap(size_t total, int percent) {
  if (total < 2) return 0;
  return std::max<size_t>(1, total * static_cast<size_t>(percent) / 100);
}

}  // namespace

Status OutlierOptions::Validate() const {
  if (consecutive_failures < 0) {
    return Status::InvalidArgument("consecutive_failures must not be negative");
  }
  if (failure_codes.Contains(StatusCode::kOk)) {
    return Status::InvalidArgument("failure_codes must not contain OK");
  }
  if (!(latency_factor == 0 || latency_factor > 1) || !std::isfinite(latency_factor)) {
    return Status::InvalidArgument("latency_factor must be 0 (off) or greater than 1");
  }
  if (interval.count() <= 0) return Status::InvalidArgument("interval must be positive");
  if (latency_min_requests < 1) {
    return Status::InvalidArgument("latency_min_requests must be at least 1");
  }
  if (latency_min_hosts < 2) return Status::InvalidArgument("latency_min_hosts must be at least 2");
  if (base_ejection_time.count() <= 0) {
    return Status::InvalidArgument("base_ejection_time must be positive");
  }
  if (max_ejection_time < base_ejection_time) {
    return Status::InvalidArgument("max_ejection_time must not be less than base_ejection_time");
  }
  if (max_ejection_percent < 0 || max_ejection_percent > 100) {
    return Status::InvalidArgument("max_ejection_percent must be between 0 and 100");
  }
  return Status::Ok();
}

struct OutlierDetector::Host {
  int consecutive = 0;
  int multiplier = 0;  // ejections, net of healing
  bool ejected = false;
  Clock::time_point ejected_until{};
  Clock::time_point healthy_since{};  // last time an ejection ended (or began)
  int64_t latency_sum_ns = 0;
  int64_t latency_samples = 0;
};

struct OutlierDetector::Event {
  std::string node_id;
  bool ejected;
  milliseconds duration;
  const char* reason;
};

struct OutlierDetector::ServiceState {
  explicit ServiceState(OutlierOptions o) : options(std::move(o)) {}

  // Ends a lapsed ejection. Caller holds mu.
  void Expire(const std::string& id, Host& host, Clock::time_point now,
              std::vector<Event>& events) {
    if (!host.ejected || now < host.ejected_until) return;
    host.ejected = false;
    host.consecutive = 0;
    host.healthy_since = host.ejected_until;
    ejected.fetch_sub(1, std::memory_order_relaxed);
    events.push_back({id, false, milliseconds(0), "expired"});
  }

  bool TryEject(const std::string& id, Host& host, Clock::time_point now, const char* reason,
                std::vector<Event>& events) {
    if (host.ejected) return false;
    size_t total = std::max(hosts.size(), candidates.load(std::memory_order_relaxed));
    if (static_cast<size_t>(ejected.load(std::memory_order_relaxed)) >=
        EjectionCap(total, options.max_ejection_percent)) {
      return false;
    }
    ++host.multiplier;
    auto duration =
        std::min(options.base_ejection_time * host.multiplier, options.max_ejection_time);
    host.ejected = true;
    host.ejected_until = now + duration;
    host.healthy_since = host.ejected_until;
    host.consecutive = 0;
    ejected.fetch_add(1, std::memory_order_relaxed);
    events.push_back({id, true, duration, reason});
    return true;
  }

  // Once per interval: latency outliers, and healing of the backoff multiplier.
  void Sweep(Clock::time_point now, std::vector<Event>& events) {
    next_sweep = now + options.interval;
    if (options.latency_factor > 0) {
      std::vector<double> means;
      for (auto& [id, host] : hosts) {
        if (!host.ejected && host.latency_samples >= options.latency_min_requests) {
          means.push_back(static_cast<double>(host.latency_sum_ns) /
                          static_cast<double>(host.latency_samples));
        }
      }
      if (means.size() >= static_cast<size_t>(options.latency_min_hosts)) {
        auto mid = means.begin() + static_cast<ptrdiff_t>(means.size() / 2);
        std::nth_element(means.begin(), mid, means.end());
        double median = *mid;
        if (means.size() % 2 == 0) median = (median + *std::max_element(means.begin(), mid)) / 2;
        for (auto& [id, host] : hosts) {
          if (host.ejected || host.latency_samples < options.latency_min_requests) continue;
          double mean =
              static_cast<double>(host.latency_sum_ns) / static_cast<double>(host.latency_samples);
          if (mean > options.latency_factor * median) TryEject(id, host, now, "latency", events);
        }
      }
    }
    for (auto& [id, host] : hosts) {
      host.latency_sum_ns = 0;
      host.latency_samples = 0;
      if (!host.ejected && host.multiplier > 0 && now - host.healthy_since >= options.interval) {
        --host.multiplier;
        host.healthy_since = now;
      }
    }
  }

  const OutlierOptions options;
  std::mutex mu;
  std::unordered_map<std::string, Host> hosts;
  Clock::time_point next_sweep{};
  std::atomic<int> ejected{0};        // hosts with an ejection not yet ended
  std::atomic<size_t> candidates{0};  // the size of the last candidate set filtered
};

OutlierDetector::OutlierDetector(OutlierRules rules, EjectionListener listener, const Clock& clock)
    : listener_(std::move(listener)),
      clock_(clock),
      rules_(std::make_shared<const OutlierRules>(std::move(rules))) {}

OutlierDetector::~OutlierDetector() = default;

void OutlierDetector::SetRules(OutlierRules rules) {
  auto next = std::make_shared<const OutlierRules>(std::move(rules));
  std::unordered_map<std::string, std::shared_ptr<ServiceState>> old;
  std::unique_lock lock(mu_);
  rules_.swap(next);
  old.swap(services_);
}

std::shared_ptr<OutlierDetector::ServiceState> OutlierDetector::StateFor(std::string_view service,
                                                                         bool create) {
  thread_local std::string key;
  key.assign(service);
  {
    std::shared_lock lock(mu_);
    if (auto it = services_.find(key); it != services_.end()) return it->second;
  }
  if (!create) return nullptr;
  std::unique_lock lock(mu_);
  auto& slot = services_[key];
  if (!slot) slot = std::make_shared<ServiceState>(rules_->For(service, {}));
  return slot;
}

void OutlierDetector::Observe(std::string_view service, std::string_view node_id,
                              const Status& status, std::chrono::nanoseconds latency) {
  auto state = StateFor(service, /*create=*/true);
  const OutlierOptions& options = state->options;
  auto now = clock_.Now();
  std::vector<Event> events;
  {
    std::lock_guard lock(state->mu);
    thread_local std::string id;
    id.assign(node_id);
    auto it = state->hosts.find(id);
    if (it == state->hosts.end()) {
      it = state->hosts.emplace(id, Host{}).first;
      it->second.healthy_since = now;
      if (state->next_sweep == Clock::time_point{}) state->next_sweep = now + options.interval;
    }
    Host& host = it->second;
    state->Expire(it->first, host, now, events);
    if (options.failure_codes.Contains(status.code())) {
      ++host.consecutive;
      if (options.consecutive_failures > 0 && host.consecutive >= options.consecutive_failures) {
        state->TryEject(it->first, host, now, "consecutive_failures", events);
      }
    } else {
      host.consecutive = 0;
      host.latency_sum_ns += latency.count();
      ++host.latency_samples;
    }
    if (now >= state->next_sweep) {
      for (auto& [other_id, other] : state->hosts) state->Expire(other_id, other, now, events);
      state->Sweep(now, events);
    }
  }
  if (listener_) {
    for (const Event& e : events) listener_(service, e.node_id, e.ejected, e.duration, e.reason);
  }
}

void OutlierDetector::Filter(std::string_view service, selector::NodeSet& nodes) {
  auto state = StateFor(service, /*create=*/false);
  if (!state) return;
  if (state->candidates.load(std::memory_order_relaxed) != nodes.size()) {
    state->candidates.store(nodes.size(), std::memory_order_relaxed);
  }
  if (state->ejected.load(std::memory_order_relaxed) == 0) return;
  auto now = clock_.Now();
  std::vector<Event> events;
  std::vector<const registry::Node*> excluded;
  {
    std::lock_guard lock(state->mu);
    size_t cap = EjectionCap(nodes.size(), state->options.max_ejection_percent);
    for (const registry::Node* node : nodes.view()) {
      if (excluded.size() >= cap) break;
      auto it = state->hosts.find(node->id);
      if (it == state->hosts.end()) continue;
      state->Expire(it->first, it->second, now, events);
      if (it->second.ejected) excluded.push_back(node);
    }
  }
  if (!excluded.empty()) {
    nodes.KeepIf(
        [&](const registry::Node& n) {
          return std::find(excluded.begin(), excluded.end(), &n) == excluded.end();
        },
        /*fallback_to_all=*/true);
  }
  if (listener_) {
    for (const Event& e : events) listener_(service, e.node_id, e.ejected, e.duration, e.reason);
  }
}

bool OutlierDetector::IsEjected(std::string_view service, std::string_view node_id) {
  auto state = StateFor(service, /*create=*/false);
  if (!state) return false;
  auto now = clock_.Now();
  std::lock_guard lock(state->mu);
  auto it = state->hosts.find(std::string(node_id));
  return it != state->hosts.end() && it->second.ejected && now < it->second.ejected_until;
}

int OutlierDetector::EjectionMultiplier(std::string_view service, std::string_view node_id) {
  auto state = StateFor(service, /*create=*/false);
  if (!state) return 0;
  std::lock_guard lock(state->mu);
  auto it = state->hosts.find(std::string(node_id));
  return it == state->hosts.end() ? 0 : it->second.multiplier;
}

size_t OutlierDetector::EjectedCount(std::string_view service) {
  auto state = StateFor(service, /*create=*/false);
  if (!state) return 0;
  auto now = clock_.Now();
  std::lock_guard lock(state->mu);
  size_t n = 0;
  for (const auto& [id, host] : state->hosts) n += host.ejected && now < host.ejected_until;
  return n;
}

}  // namespace micro::governance

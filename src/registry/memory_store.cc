#include <micro/registry/memory_store.h>

#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <tuple>
#include <utility>

namespace micro::registry {

namespace {

std::string NewEpoch() {
  std::random_device rd;
  std::mt19937_64 gen((static_cast<uint64_t>(rd()) << 32) ^ rd() ^
                      static_cast<uint64_t>(MemoryStore::Clock::now().time_since_epoch().count()));
  static constexpr char kHex[] = "0123456789abcdef";
  uint64_t bits = gen();
  std::string out(16, '0');
  for (char& c : out) {
    c = kHex[bits & 0xf];
    bits >>= 4;
  }
  return out;
}

}  // namespace

class MemoryStore::Impl {
 public:
  explicit Impl(Options options) : options_(std::move(options)), epoch_(NewEpoch()) {
    if (!options_.now) options_.now = [] { return Clock::now(); };
    if (options_.event_log_capacity == 0) options_.event_log_capacity = 1;
  }

  Status Register(const ServiceInfo& info, const Node& node, std::chrono::milliseconds ttl) {
    MICRO_RETURN_IF_ERROR(Validate(info, node, ttl));
    Node stored = node;
    if (stored.version.empty()) stored.version = info.version;

    std::lock_guard lock(mu_);
    auto now = options_.now();
    SweepLocked(now);
    ServiceEntry& entry = services_[info.name];
    entry.info = info;
    auto deadline = now + ttl;
    auto it = entry.nodes.find(stored.id);
    if (it == entry.nodes.end()) {
      entry.nodes.emplace(stored.id, NodeEntry{stored, deadline, ttl});
      deadlines_.emplace(deadline, info.name, stored.id);
      Emit(Event::Type::kAdd, info.name, stored);
      return {};
    }
    NodeEntry& existing = it->second;
    deadlines_.erase({existing.deadline, info.name, stored.id});
    existing.deadline = deadline;
    existing.ttl = ttl;
    deadlines_.emplace(deadline, info.name, stored.id);
    if (!(existing.node == stored)) {
      existing.node = stored;
      Emit(Event::Type::kUpdate, info.name, stored);
    }
    return {};
  }

  Status Heartbeat(const std::string& service, const std::string& node_id) {
    std::lock_guard lock(mu_);
    auto now = options_.now();
    SweepLocked(now);
    NodeEntry* entry = Find(service, node_id);
    if (entry == nullptr) {
      return Status::NotFound("node '" + node_id + "' of service '" + service +
                              "' is not registered (expired?); register it again");
    }
    deadlines_.erase({entry->deadline, service, node_id});
    entry->deadline = now + entry->ttl;
    deadlines_.emplace(entry->deadline, service, node_id);
    return {};
  }

  Status Deregister(const std::string& service, const std::string& node_id) {
    std::lock_guard lock(mu_);
    SweepLocked(options_.now());
    if (Find(service, node_id) != nullptr) Remove(service, node_id);
    return {};
  }

  Result<Service> Get(const std::string& name) {
    std::lock_guard lock(mu_);
    SweepLocked(options_.now());
    auto it = services_.find(name);
    if (it == services_.end()) {
      return Status::NotFound("service '" + name + "' has no registered nodes");
    }
    return ToService(name, it->second);
  }

  std::vector<ServiceSummary> List() {
    std::lock_guard lock(mu_);
    SweepLocked(options_.now());
    std::vector<ServiceSummary> out;
    for (const auto& [name, entry] : services_) {
      ServiceSummary summary;
      summary.name = name;
      std::set<std::string> versions;
      for (const auto& [id, node] : entry.nodes) {
        summary.nodes.push_back(node.node);
        if (!node.node.version.empty()) versions.insert(node.node.version);
      }
      summary.versions.assign(versions.begin(), versions.end());
      out.push_back(std::move(summary));
    }
    return out;
  }

  EventBatch EventsSince(uint64_t since, const std::string& service) {
    std::lock_guard lock(mu_);
    SweepLocked(options_.now());
    if (since > revision_ || since < log_floor_) return SnapshotLocked(service);
    EventBatch batch;
    batch.revision = revision_;
    for (size_t i = since - log_floor_; i < log_.size(); ++i) {
      if (service.empty() || log_[i].event.service == service) batch.events.push_back(log_[i]);
    }
    return batch;
  }

  EventBatch Snapshot(const std::string& service) {
    std::lock_guard lock(mu_);
    SweepLocked(options_.now());
    return SnapshotLocked(service);
  }

  Clock::time_point Sweep() {
    std::lock_guard lock(mu_);
    SweepLocked(options_.now());
    return deadlines_.empty() ? Clock::time_point::max() : std::get<0>(*deadlines_.begin());
  }

  uint64_t revision() const {
    std::lock_guard lock(mu_);
    return revision_;
  }
  const std::string& epoch() const { return epoch_; }
  Clock::time_point Now() const { return options_.now(); }

  uint64_t Subscribe(Listener listener) {
    std::lock_guard lock(mu_);
    uint64_t id = ++next_listener_id_;
    listeners_.emplace(id, std::move(listener));
    return id;
  }

  void Unsubscribe(uint64_t id) {
    std::lock_guard lock(mu_);
    listeners_.erase(id);
  }

 private:
  struct NodeEntry {
    Node node;
    Clock::time_point deadline;
    std::chrono::milliseconds ttl;
  };
  struct ServiceEntry {
    ServiceInfo info;
    std::map<std::string, NodeEntry> nodes;  // by id, so reads come out sorted
  };

  NodeEntry* Find(const std::string& service, const std::string& node_id) {
    auto s = services_.find(service);
    if (s == services_.end()) return nullptr;
    auto n = s->second.nodes.find(node_id);
    return n == s->second.nodes.end() ? nullptr : &n->second;
  }

  void Remove(const std::string& service, const std::string& node_id) {
    auto s = services_.find(service);
    auto n = s->second.nodes.find(node_id);
    deadlines_.erase({n->second.deadline, service, node_id});
    Node node = std::move(n->second.node);
    s->second.nodes.erase(n);
    if (s->second.nodes.empty()) services_.erase(s);
    Emit(Event::Type::kRemove, service, std::move(node));
  }

  void SweepLocked(Clock::time_point now) {
    while (!deadlines_.empty() && std::get<0>(*deadlines_.begin()) <= now) {
      auto [deadline, service, node_id] = *deadlines_.begin();
      Remove(service, node_id);
    }
  }

  void Emit(Event::Type type, const std::string& service, Node node) {
    RevisionedEvent e{++revision_, Event{type, service, std::move(node)}};
    log_.push_back(e);
    while (log_.size() > options_.event_log_capacity) {
      log_floor_ = log_.front().revision;
      log_.pop_front();
    }
    for (const auto& [id, listener] : listeners_) listener(e);
  }

  static Service ToService(const std::string& name, const ServiceEntry& entry) {
    Service service{name, {}};
    for (const auto& [id, node] : entry.nodes) service.nodes.push_back(node.node);
    return service;
  }

  EventBatch SnapshotLocked(const std::string& service) {
    EventBatch batch;
    batch.revision = revision_;
    batch.reset = true;
    for (const auto& [name, entry] : services_) {
      if (service.empty() || name == service) batch.snapshot.push_back(ToService(name, entry));
    }
    return batch;
  }

  Options options_;
  const std::string epoch_;
  mutable std::mutex mu_;
  std::map<std::string, ServiceEntry> services_;
  // (deadline, service, node id): the next node to expire is first.
  std::set<std::tuple<Clock::time_point, std::string, std::string>> deadlines_;
  uint64_t revision_ = 0;
  // Revision of the newest event dropped from the log; log_[i].revision == log_floor_ + 1 + i.
  uint64_t log_floor_ = 0;
  std::deque<RevisionedEvent> log_;
  uint64_t next_listener_id_ = 0;
  std::map<uint64_t, Listener> listeners_;
};

MemoryStore::MemoryStore() : MemoryStore(Options{}) {}
MemoryStore::MemoryStore(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {}
MemoryStore::~MemoryStore() = default;

Status MemoryStore::Validate(const ServiceInfo& service, const Node& node,
                             std::chrono::milliseconds ttl) {
  if (service.name.empty()) return Status::InvalidArgument("missing service name");
  if (node.id.empty()) return Status::InvalidArgument("missing node id");
  if (node.host.empty()) return Status::InvalidArgument("missing node host");
  if (node.ports.empty()) {
    return Status::InvalidArgument("missing node ports (e.g. {\"grpc\": 50051})");
  }
  for (const auto& [protocol, port] : node.ports) {
    if (protocol.empty()) return Status::InvalidArgument("node port with an empty protocol name");
    if (port == 0) {
      return Status::InvalidArgument("node port '" + protocol + "' must be 1..65535");
    }
  }
  if (ttl <= std::chrono::milliseconds::zero()) {
    return Status::InvalidArgument("ttl must be positive");
  }
  return {};
}

Status MemoryStore::Register(const ServiceInfo& service, const Node& node,
                             std::chrono::milliseconds ttl) {
  return impl_->Register(service, node, ttl);
}
Status MemoryStore::Heartbeat(const std::string& service, const std::string& node_id) {
  return impl_->Heartbeat(service, node_id);
}
Status MemoryStore::Deregister(const std::string& service, const std::string& node_id) {
  return impl_->Deregister(service, node_id);
}
Result<Service> MemoryStore::Get(const std::string& service) { return impl_->Get(service); }
std::vector<ServiceSummary> MemoryStore::List() { return impl_->List(); }
MemoryStore::EventBatch MemoryStore::EventsSince(uint64_t since, const std::string& service) {
  return impl_->EventsSince(since, service);
}
MemoryStore::EventBatch MemoryStore::Snapshot(const std::string& service) {
  return impl_->Snapshot(service);
}
MemoryStore::Clock::time_point MemoryStore::Sweep() { return impl_->Sweep(); }
uint64_t MemoryStore::revision() const { return impl_->revision(); }
const std::string& MemoryStore::epoch() const { return impl_->epoch(); }
MemoryStore::Clock::time_point MemoryStore::Now() const { return impl_->Now(); }
uint64_t MemoryStore::Subscribe(Listener listener) { return impl_->Subscribe(std::move(listener)); }
void MemoryStore::Unsubscribe(uint64_t id) { impl_->Unsubscribe(id); }

}  // namespace micro::registry

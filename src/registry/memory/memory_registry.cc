#include "registry/memory/memory_registry.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>

#include "registry/builtin.h"

namespace micro::registry {

namespace {

// Receives the store's events for one service (or all) into a queue. Nobody else sweeps a
// memory:// store on a timer, so a waiting Next() sweeps it when the next node is due: TTL
// expiry then reaches watchers on time without a background thread.
class MemoryWatcher final : public Watcher {
 public:
  MemoryWatcher(std::shared_ptr<MemoryStore> store, std::string service)
      : store_(std::move(store)), service_(std::move(service)) {
    subscription_ = store_->Subscribe([this](const MemoryStore::RevisionedEvent& e) {
      if (!service_.empty() && e.event.service != service_) return;
      std::lock_guard lock(mu_);
      if (stopped_) return;
      queue_.push_back(e.event);
      cv_.notify_all();
    });
  }

  ~MemoryWatcher() override {
    Stop();
    store_->Unsubscribe(subscription_);
  }

  // registry::Watcher
  Result<Event> Next(std::chrono::milliseconds timeout) override {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      auto next_expiry = store_->Sweep();  // may queue kRemove events for us
      std::unique_lock lock(mu_);
      if (stopped_) return Status::Cancelled("watcher stopped");
      if (!queue_.empty()) {
        Event e = std::move(queue_.front());
        queue_.pop_front();
        return e;
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        return Status::DeadlineExceeded("no registry change within the timeout");
      }
      // A node expiring a moment after it is due is fine; a short floor avoids spinning.
      auto wake = std::min(deadline, std::max(next_expiry, std::chrono::steady_clock::now() +
                                                               std::chrono::milliseconds(1)));
      cv_.wait_until(lock, wake, [&] { return stopped_ || !queue_.empty(); });
    }
  }

  void Stop() override {
    std::lock_guard lock(mu_);
    stopped_ = true;
    queue_.clear();
    cv_.notify_all();
  }

 private:
  std::shared_ptr<MemoryStore> store_;
  const std::string service_;
  uint64_t subscription_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Event> queue_;
  bool stopped_ = false;
};

// Stores live as long as the process: a Registry created later with the same URL must see
// what an earlier (possibly destroyed) one registered.
std::shared_ptr<MemoryStore> SharedStore(const std::string& name) {
  static auto* mu = new std::mutex;
  static auto* stores = new std::map<std::string, std::shared_ptr<MemoryStore>>;
  std::lock_guard lock(*mu);
  auto& store = (*stores)[name];
  if (!store) store = std::make_shared<MemoryStore>();
  return store;
}

}  // namespace

Status MemoryRegistry::Register(const ServiceInfo& service, const Node& node,
                                std::chrono::milliseconds ttl) {
  return store_->Register(service, node, ttl);
}

Status MemoryRegistry::Heartbeat(const std::string& service, const std::string& node_id) {
  return store_->Heartbeat(service, node_id);
}

Status MemoryRegistry::Deregister(const std::string& service, const std::string& node_id) {
  return store_->Deregister(service, node_id);
}

Result<Service> MemoryRegistry::Get(const std::string& service) { return store_->Get(service); }

Result<std::vector<ServiceSummary>> MemoryRegistry::List() { return store_->List(); }

Result<std::unique_ptr<Watcher>> MemoryRegistry::Watch(const std::string& service) {
  return std::unique_ptr<Watcher>(new MemoryWatcher(store_, service));
}

Result<std::unique_ptr<Registry>> NewMemoryRegistry(const Url& url) {
  if (!url.hosts.empty()) {
    return Status::InvalidArgument(
        "memory:// takes no host; name a separate store as "
        "memory:///<name>, got '" +
        url.ToString() + "'");
  }
  if (!url.query.empty()) {
    return Status::InvalidArgument("memory:// takes no options, got '" + url.query.begin()->first +
                                   "'");
  }
  std::string name = url.path;
  while (!name.empty() && name.front() == '/') name.erase(name.begin());
  return std::unique_ptr<Registry>(new MemoryRegistry(SharedStore(name)));
}

}  // namespace micro::registry

#include "client/discovery_cache.h"

#include <algorithm>
#include <chrono>

namespace micro::client {

using namespace std::chrono_literals;

namespace {

// One order for every list, so that a round-robin cursor stays fair across updates.
void SortById(NodeList& nodes) {
  std::sort(nodes.begin(), nodes.end(),
            [](const registry::Node& a, const registry::Node& b) { return a.id < b.id; });
}

}  // namespace

DiscoveryCache::DiscoveryCache(std::shared_ptr<registry::Registry> registry)
    : registry_(std::move(registry)) {
  watch_thread_ = std::thread([this] { WatchLoop(); });
}

DiscoveryCache::~DiscoveryCache() {
  stopping_ = true;
  {
    std::lock_guard lock(watcher_mu_);
    if (watcher_) watcher_->Stop();
  }
  watch_thread_.join();
}

Result<std::shared_ptr<const NodeList>> DiscoveryCache::Nodes(const std::string& service) {
  {
    std::lock_guard lock(mu_);
    auto it = services_.find(service);
    if (it != services_.end()) return it->second;
  }
  return Refresh(service);
}

Result<std::shared_ptr<const NodeList>> DiscoveryCache::Refresh(const std::string& service) {
  auto got = registry_->Get(service);
  std::shared_ptr<const NodeList> nodes;
  if (got.ok()) {
    SortById(got->nodes);
    nodes = std::make_shared<const NodeList>(std::move(got->nodes));
  } else if (got.status().code() == StatusCode::kNotFound) {
    nodes = std::make_shared<const NodeList>();
  } else {
    // Keep serving what we knew if the registry is briefly unreachable.
    std::lock_guard lock(mu_);
    auto it = services_.find(service);
    if (it != services_.end()) return it->second;
    return Status::Unavailable("cannot resolve service '" + service +
                               "': " + got.status().ToString());
  }
  std::lock_guard lock(mu_);
  services_[service] = nodes;
  return nodes;
}

void DiscoveryCache::Apply(const registry::Event& event) {
  std::lock_guard lock(mu_);
  auto it = services_.find(event.service);
  if (it == services_.end()) return;  // not a service this client calls
  auto next = std::make_shared<NodeList>(*it->second);
  auto same_id = [&](const registry::Node& n) { return n.id == event.node.id; };
  std::erase_if(*next, same_id);
  if (event.type != registry::Event::Type::kRemove) next->push_back(event.node);
  SortById(*next);
  it->second = std::move(next);
}

void DiscoveryCache::ResyncAll() {
  std::vector<std::string> names;
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, nodes] : services_) names.push_back(name);
  }
  for (const auto& name : names) (void)Refresh(name);
}

void DiscoveryCache::WatchLoop() {
  auto backoff = 50ms;
  while (!stopping_) {
    auto watcher = registry_->Watch("");
    if (!watcher.ok()) {
      std::this_thread::sleep_for(backoff);
      backoff = std::min<std::chrono::milliseconds>(backoff * 2, 2s);
      continue;
    }
    {
      std::lock_guard lock(watcher_mu_);
      if (stopping_) return;
      watcher_ = std::move(*watcher);
    }
    // Events may have been missed before the watch started or during an outage.
    ResyncAll();
    bool was_unavailable = false;
    while (!stopping_) {
      auto event = watcher_->Next(1s);
      if (event.ok()) {
        if (was_unavailable) ResyncAll();
        was_unavailable = false;
        Apply(*event);
        continue;
      }
      StatusCode code = event.status().code();
      if (code == StatusCode::kDeadlineExceeded) {
        if (was_unavailable) {
          ResyncAll();
          was_unavailable = false;
        }
        continue;
      }
      if (code == StatusCode::kUnavailable) {
        was_unavailable = true;
        continue;
      }
      break;  // cancelled or broken: start a new watch
    }
    std::lock_guard lock(watcher_mu_);
    watcher_.reset();
  }
}

}  // namespace micro::client

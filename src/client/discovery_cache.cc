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

std::shared_ptr<const NodeView> NodeView::Make(NodeList nodes, const std::string& protocol) {
  SortById(nodes);
  auto view = std::make_shared<NodeView>();
  view->nodes_ = std::move(nodes);
  // The view never changes once built, so pointers into nodes_ stay valid for its life.
  for (const auto& n : view->nodes_) {
    bool speaks = n.ports.count(protocol) > 0;
    view->addresses_.push_back(speaks ? n.Address(protocol) : std::string());
    if (speaks) view->speaking_.push_back(&n);
  }
  return view;
}

DiscoveryCache::DiscoveryCache(std::shared_ptr<registry::Registry> registry, std::string protocol)
    : registry_(std::move(registry)), protocol_(std::move(protocol)) {
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

ServiceEntry* DiscoveryCache::Find(std::string_view service) const {
  const EntryMap* map = entries_.load(std::memory_order_acquire);
  if (map == nullptr) return nullptr;
  auto it = map->find(service);
  return it == map->end() ? nullptr : it->second;
}

ServiceEntry& DiscoveryCache::Entry(std::string_view service) {
  if (ServiceEntry* found = Find(service)) return *found;
  std::lock_guard lock(mu_);
  if (ServiceEntry* found = Find(service)) return *found;
  owned_.push_back(std::make_unique<ServiceEntry>(std::string(service)));
  const EntryMap* current = entries_.load(std::memory_order_relaxed);
  auto next = std::make_unique<EntryMap>(current ? *current : EntryMap{});
  next->emplace(owned_.back()->name, owned_.back().get());
  entries_.store(next.get(), std::memory_order_release);
  maps_.push_back(std::move(next));
  return *owned_.back();
}

void DiscoveryCache::ForEach(const std::function<void(ServiceEntry&)>& fn) {
  const EntryMap* map = entries_.load(std::memory_order_acquire);
  if (map == nullptr) return;
  for (const auto& [name, entry] : *map) fn(*entry);
}

Result<std::shared_ptr<const NodeView>> DiscoveryCache::Nodes(ServiceEntry& entry) {
  if (auto view = entry.view.load(std::memory_order_acquire)) return view;
  return Refresh(entry);
}

Result<std::shared_ptr<const NodeView>> DiscoveryCache::Refresh(ServiceEntry& entry) {
  auto got = registry_->Get(entry.name);
  std::shared_ptr<const NodeView> nodes;
  if (got.ok()) {
    nodes = NodeView::Make(std::move(got->nodes), protocol_);
  } else if (got.status().code() == StatusCode::kNotFound) {
    nodes = NodeView::Make({}, protocol_);
  } else {
    // Keep serving what we knew if the registry is briefly unreachable.
    if (auto known = entry.view.load()) return known;
    return Status::Unavailable("cannot resolve service '" + entry.name +
                               "': " + got.status().ToString());
  }
  std::lock_guard lock(mu_);
  entry.view.store(nodes, std::memory_order_release);
  return nodes;
}

void DiscoveryCache::Apply(const registry::Event& event) {
  ServiceEntry* entry = Find(event.service);
  if (entry == nullptr) return;  // not a service this client calls
  std::lock_guard lock(mu_);
  auto current = entry->view.load();
  if (!current) return;  // not resolved yet: its first lookup will see this node
  NodeList next = current->nodes();
  auto same_id = [&](const registry::Node& n) { return n.id == event.node.id; };
  std::erase_if(next, same_id);
  if (event.type != registry::Event::Type::kRemove) next.push_back(event.node);
  entry->view.store(NodeView::Make(std::move(next), protocol_), std::memory_order_release);
}

void DiscoveryCache::ResyncAll() {
  std::vector<ServiceEntry*> resolved;
  ForEach([&](ServiceEntry& entry) {
    if (entry.view.load()) resolved.push_back(&entry);
  });
  for (ServiceEntry* entry : resolved) (void)Refresh(*entry);
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

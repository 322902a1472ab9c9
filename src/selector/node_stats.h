// NodeTable<Stats>: per-node state of a load-aware selector, keyed by Node::id (candidate
// pointers live only for one call). Internal to libmicro.
//
// Readers (Select, OnStart, OnDone) share one lock and never allocate; the exclusive lock
// is taken only by the first OnStart of a node id, to insert its entry (and prune). Entries of
// nodes that went away are pruned on insert, once the table has grown past twice its size at the
// previous prune: an entry goes when no call is in flight on it and no call started on it since the
// previous prune.
#pragma once

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>

namespace micro::selector {

// Stats must have a `std::atomic<int64_t> inflight`.
template <typename Stats>
class NodeTable {
 public:
  // Holds the shared lock: pointers from Find stay valid while the Reader lives.
  class Reader {
   public:
    explicit Reader(const NodeTable& t) : table_(t), lock_(t.mu_) {}
    // nullptr for a node without an entry yet (never started a call).
    Stats* Find(const std::string& id) const {
      auto it = table_.entries_.find(id);
      return it == table_.entries_.end() ? nullptr : &it->second->stats;
    }

   private:
    const NodeTable& table_;
    std::shared_lock<std::shared_mutex> lock_;
  };

  // Runs fn(Stats&) on the node's entry, creating it when missing; marks it in use.
  template <typename Fn>
  void WithEntry(const std::string& id, Fn fn) {
    {
      std::shared_lock lock(mu_);
      auto it = entries_.find(id);
      if (it != entries_.end()) {
        Touch(*it->second);
        fn(it->second->stats);
        return;
      }
    }
    std::unique_lock lock(mu_);
    auto it = entries_.find(id);
    if (it == entries_.end()) {
      if (entries_.size() >= prune_at_) Prune();
      it = entries_.emplace(id, std::make_unique<Entry>()).first;
    }
    Touch(*it->second);
    fn(it->second->stats);
  }

  // Runs fn(Stats&) on an existing entry only.
  template <typename Fn>
  void WithExisting(const std::string& id, Fn fn) {
    std::shared_lock lock(mu_);
    auto it = entries_.find(id);
    if (it != entries_.end()) fn(it->second->stats);
  }

  size_t size() const {
    std::shared_lock lock(mu_);
    return entries_.size();
  }

 private:
  struct Entry {
    Stats stats;
    std::atomic<bool> touched{true};
  };
  static constexpr size_t kMinPruneAt = 256;

  static void Touch(Entry& e) {
    // Read first: the common case writes nothing, so the cache line stays shared.
    if (!e.touched.load(std::memory_order_relaxed))
      e.touched.store(true, std::memory_order_relaxed);
  }

  // Under the unique lock.
  void Prune() {
    for (auto it = entries_.begin(); it != entries_.end();) {
      Entry& e = *it->second;
      if (e.stats.inflight.load(std::memory_order_relaxed) == 0 &&
          !e.touched.load(std::memory_order_relaxed)) {
        it = entries_.erase(it);
      } else {
        e.touched.store(false, std::memory_order_relaxed);
        ++it;
      }
    }
    prune_at_ = std::max(kMinPruneAt, 2 * entries_.size());
  }

  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, std::unique_ptr<Entry>> entries_;
  size_t prune_at_ = kMinPruneAt;
};

}  // namespace micro::selector

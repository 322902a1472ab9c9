// KeyedLimiter: sharded map of key -> limiter with bounded size.
//
// Why a mutex per shard and not a lock-free map: the work under the lock is one hash lookup
// and one limiter CAS (tens of ns), and 16 shards make two threads collide on the same lock
// only when their keys hash alike. Eviction runs only when a shard is full, so the common
// path never scans.
#include <algorithm>
#include <functional>
#include <limits>
#include <mutex>
#include <string>
#include <unordered_map>

#include <micro/governance/limiter.h>

#include "governance/common/now_ns.h"

namespace micro::governance {
namespace {

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

using internal::NowNs;

}  // namespace

struct KeyedLimiter::Shard {
  struct Entry {
    std::unique_ptr<Limiter> limiter;
    int64_t last_used_ns = 0;
  };
  // Own cache line each, so that two threads working on two shards do not share one.
  alignas(64) std::mutex mu;
  std::unordered_map<std::string, Entry, StringHash, std::equal_to<>> entries;
  int64_t last_sweep_ns = 0;
};

Status KeyedLimiterOptions::Validate() const {
  if (Status s = ValidateLimiterConfig(limiter); !s.ok()) {
    return Status::InvalidArgument("limiter." + s.message());
  }
  if (max_keys < KeyedLimiter::kShards) {
    return Status::InvalidArgument("max_keys: must be >= 16, got " + std::to_string(max_keys));
  }
  if (idle_timeout <= std::chrono::nanoseconds(0)) {
    return Status::InvalidArgument("idle_timeout: must be > 0");
  }
  return Status::Ok();
}

KeyedLimiter::KeyedLimiter(KeyedLimiterOptions options, const Clock& clock)
    : options_(std::move(options)), clock_(clock), shards_(new Shard[kShards]) {}

KeyedLimiter::~KeyedLimiter() = default;

bool KeyedLimiter::TryAcquire(std::string_view key, int64_t n) {
  const size_t hash = StringHash{}(key);
  // The map rehashes with the same std::hash, so pick shards from the high bits.
  Shard& shard = shards_[(hash >> 56) % kShards];
  const int64_t now = NowNs(clock_);
  std::lock_guard lock(shard.mu);
  auto it = shard.entries.find(key);
  if (it == shard.entries.end()) {
    const size_t capacity = std::max<size_t>(1, options_.max_keys / kShards);
    const int64_t idle_before = now - options_.idle_timeout.count();
    // Forget idle keys when the shard is full, and at most once per idle_timeout otherwise
    // (so that memory of a burst of one-off callers is given back).
    if (shard.entries.size() >= capacity || shard.last_sweep_ns < idle_before) {
      shard.last_sweep_ns = now;
      std::erase_if(shard.entries,
                    [&](const auto& kv) { return kv.second.last_used_ns < idle_before; });
    }
    {
      if (shard.entries.size() >= capacity) {
        auto oldest = std::min_element(shard.entries.begin(), shard.entries.end(),
                                       [](const auto& a, const auto& b) {
                                         return a.second.last_used_ns < b.second.last_used_ns;
                                       });
        shard.entries.erase(oldest);
      }
    }
    it = shard.entries
             .emplace(std::string(key), Shard::Entry{NewLimiter(options_.limiter, clock_), now})
             .first;
  }
  it->second.last_used_ns = now;
  return it->second.limiter->TryAcquire(n);
}

size_t KeyedLimiter::size() const {
  size_t total = 0;
  for (size_t i = 0; i < kShards; ++i) {
    std::lock_guard lock(shards_[i].mu);
    total += shards_[i].entries.size();
  }
  return total;
}

}  // namespace micro::governance

// consistent_hash: a hash ring with virtual nodes, keyed by one metadata value of the call
// (a user id, a session, a shard key).
//
// Why a ring and not Maglev: on a ring a node that joins takes keys only from others and
// a node that leaves gives away only its own keys — the minimum possible movement —
// whereas Maglev trades a little extra movement for a flatter spread. With 160 points per
// node the spread is within a few percent, which is what caching use cases need.
//
// Rings are built per distinct candidate set (identified by an order-independent
// fingerprint of the node ids) and cached, a few sets at a time, because route filters
// may hand a selector different subsets on consecutive calls; a set seen before costs
// one hash per node and one binary search, never a rebuild.
#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <micro/selector/selectors.h>

#include "selector/builtin.h"
#include "selector/url_options.h"

namespace micro::selector {
namespace {

constexpr uint64_t kGamma = 0x9E3779B97F4A7C15ULL;

uint64_t Mix(uint64_t z) {  // splitmix64 finalizer
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// FNV-1a 64, finalized so that similar ids ("n1", "n2") land far apart.
uint64_t Hash(std::string_view s) {
  uint64_t h = 0xCBF29CE484222325ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001B3ULL;
  }
  return Mix(h);
}

// Metadata keys are lower-case on the wire (HTTP/2, gRPC).
std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

struct Ring {
  uint64_t fingerprint = 0;
  // (point on the ring, hash of the node id owning it), sorted.
  std::vector<std::pair<uint64_t, uint64_t>> points;
};

uint64_t Fingerprint(const uint64_t* hashes, size_t n) {
  uint64_t sum = 0, xored = 0;
  for (size_t i = 0; i < n; ++i) {
    sum += Mix(hashes[i] ^ 0x5851F42D4C957F2DULL);
    xored ^= hashes[i];
  }
  return Mix(sum ^ ((xored << 17) | (xored >> 47)) ^ (n * kGamma));
}

std::shared_ptr<const Ring> BuildRing(uint64_t fingerprint, const uint64_t* hashes, size_t n,
                                      int vnodes) {
  auto ring = std::make_shared<Ring>();
  ring->fingerprint = fingerprint;
  ring->points.reserve(n * static_cast<size_t>(vnodes));
  for (size_t i = 0; i < n; ++i) {
    for (int v = 0; v < vnodes; ++v) {
      ring->points.emplace_back(Mix(hashes[i] + static_cast<uint64_t>(v + 1) * kGamma), hashes[i]);
    }
  }
  std::sort(ring->points.begin(), ring->points.end());
  return ring;
}

class ConsistentHash final : public Selector {
 public:
  explicit ConsistentHash(const ConsistentHashOptions& o)
      : key_(Lower(o.key)), vnodes_(o.vnodes < 1 ? 1 : o.vnodes) {}

  // selector::Selector
  Result<const registry::Node*> Select(Candidates nodes, const Context& ctx) override {
    if (nodes.empty()) return Status::Unavailable("no nodes to select from");
    auto key = ctx.metadata().Get(key_);
    if (!key || key->empty()) {
      return nodes[next_.fetch_add(1, std::memory_order_relaxed) % nodes.size()];
    }
    if (nodes.size() == 1) return nodes[0];

    constexpr size_t kStack = 64;
    uint64_t stack[kStack];
    std::vector<uint64_t> heap;
    uint64_t* hashes = stack;
    if (nodes.size() > kStack) {
      heap.resize(nodes.size());
      hashes = heap.data();
    }
    for (size_t i = 0; i < nodes.size(); ++i) hashes[i] = Hash(nodes[i]->id);
    uint64_t fp = Fingerprint(hashes, nodes.size());

    uint64_t owner = 0;
    if (!Lookup(fp, Hash(*key), owner)) {
      auto ring = BuildRing(fp, hashes, nodes.size(), vnodes_);
      owner = OwnerOf(*ring, Hash(*key));
      Insert(std::move(ring));
    }
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (hashes[i] == owner) return nodes[i];
    }
    return Status::Internal("consistent_hash: ring owner is not a candidate");
  }

 private:
  static constexpr size_t kCachedRings = 8;

  static uint64_t OwnerOf(const Ring& ring, uint64_t h) {
    auto it = std::lower_bound(ring.points.begin(), ring.points.end(),
                               std::pair<uint64_t, uint64_t>(h, 0));
    if (it == ring.points.end()) it = ring.points.begin();  // wrap around
    return it->second;
  }

  bool Lookup(uint64_t fp, uint64_t h, uint64_t& owner) const {
    std::shared_lock lock(mu_);
    for (const auto& ring : rings_) {
      if (ring && ring->fingerprint == fp) {
        owner = OwnerOf(*ring, h);
        return true;
      }
    }
    return false;
  }

  void Insert(std::shared_ptr<const Ring> ring) {
    std::unique_lock lock(mu_);
    for (const auto& r : rings_) {
      if (r && r->fingerprint == ring->fingerprint) return;  // another thread built it
    }
    // Replace the oldest insertion: sets in steady use are rebuilt at most once per
    // kCachedRings new sets.
    rings_[evict_next_] = std::move(ring);
    evict_next_ = (evict_next_ + 1) % kCachedRings;
  }

  const std::string key_;
  const int vnodes_;
  std::atomic<uint64_t> next_{0};
  mutable std::shared_mutex mu_;
  std::shared_ptr<const Ring> rings_[kCachedRings];
  size_t evict_next_ = 0;
};

}  // namespace

std::unique_ptr<Selector> NewConsistentHash(const ConsistentHashOptions& options) {
  return std::make_unique<ConsistentHash>(options);
}

Result<std::unique_ptr<Selector>> ConsistentHashFromUrl(const Url& url) {
  MICRO_RETURN_IF_ERROR(CheckQueryKeys(url, {"key", "vnodes"}));
  ConsistentHashOptions o;
  if (auto it = url.query.find("key"); it != url.query.end()) {
    if (it->second.empty()) {
      return Status::InvalidArgument("selector consistent_hash: option 'key' must not be empty");
    }
    o.key = it->second;
  }
  auto vnodes = QueryInt(url, "vnodes", 160, 1, 10'000);
  if (!vnodes.ok()) return vnodes.status();
  o.vnodes = static_cast<int>(*vnodes);
  return NewConsistentHash(o);
}

}  // namespace micro::selector

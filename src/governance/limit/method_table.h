// MethodTable<T>: per-method state found by the Method object's address, lock-free on the
// hot path. Servers keep their Methods at fixed addresses for their whole life, so the
// address is a perfect key — except that a Method freed with its server can have its address
// reused by another; each hit therefore checks the names too (two short compares).
//
// Internal to the governance interceptors (bulkhead, shedder exemptions).
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include <micro/server/method.h>

namespace micro::governance::internal {

// True when `pattern` ("*", "/pkg.Service/*", "/pkg.Service/Method") selects `m`.
bool MethodMatches(std::string_view pattern, const server::Method& m);
// Validates a pattern; the message names `field`.
Status ValidateMethodPattern(std::string_view pattern, std::string_view field);

template <typename T>
class MethodTable {
 public:
  // `make` builds the value for a method seen for the first time (may return null: "none").
  explicit MethodTable(std::function<std::shared_ptr<T>(const server::Method&)> make)
      : make_(std::move(make)) {
    for (auto& slot : slots_) slot.store(nullptr, std::memory_order_relaxed);
  }

  // The value for `m`, made on first sight. The pointer lives as long as the table.
  T* Get(const server::Method& m) {
    const size_t start = (reinterpret_cast<uintptr_t>(&m) >> 4) % kSlots;
    for (size_t i = 0; i < kProbes; ++i) {
      const Entry* e = slots_[(start + i) % kSlots].load(std::memory_order_acquire);
      if (e == nullptr) break;
      if (e->method == &m && e->service == m.service && e->name == m.name) return e->value;
    }
    return Slow(m, start);
  }

  // The value already made for a method path, or null.
  T* Find(std::string_view path) const {
    std::lock_guard lock(mu_);
    auto it = by_path_.find(std::string(path));
    return it == by_path_.end() ? nullptr : it->second.get();
  }

 private:
  static constexpr size_t kSlots = 512;
  static constexpr size_t kProbes = 8;
  struct Entry {
    const server::Method* method;
    std::string service, name;
    T* value;
  };

  T* Slow(const server::Method& m, size_t start) {
    std::lock_guard lock(mu_);
    std::string path = m.Path();
    auto it = by_path_.find(path);
    if (it == by_path_.end()) it = by_path_.emplace(path, make_(m)).first;
    T* value = it->second.get();
    // Publish the address for the lock-free path when a probe slot is free (or stale).
    for (size_t i = 0; i < kProbes; ++i) {
      auto& slot = slots_[(start + i) % kSlots];
      const Entry* e = slot.load(std::memory_order_relaxed);
      if (e == nullptr || e->method == &m) {
        // Entries are never freed before the table, so a reader holding the old one is safe.
        entries_.push_back({&m, m.service, m.name, value});
        slot.store(&entries_.back(), std::memory_order_release);
        break;
      }
    }
    return value;
  }

  std::function<std::shared_ptr<T>(const server::Method&)> make_;
  std::atomic<const Entry*> slots_[kSlots];
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<T>> by_path_;
  std::deque<Entry> entries_;  // stable addresses
};

}  // namespace micro::governance::internal

// Bulkhead: an atomic counter bounded by CAS; waiters (only when max_wait > 0) sleep on a
// condition variable that Leave() signals only when someone is waiting, so the common path
// is one CAS in and one atomic decrement out.
#include <string>

#include <micro/governance/bulkhead.h>

namespace micro::governance {

Status BulkheadOptions::Validate() const {
  if (max_concurrent < 1) {
    return Status::InvalidArgument("max_concurrent: must be >= 1, got " +
                                   std::to_string(max_concurrent));
  }
  if (max_wait < std::chrono::nanoseconds(0) || max_wait > std::chrono::seconds(60)) {
    return Status::InvalidArgument("max_wait: must be 0 .. 60s");
  }
  if (max_waiting < 0) {
    return Status::InvalidArgument("max_waiting: must be >= 0, got " + std::to_string(max_waiting));
  }
  return Status::Ok();
}

Bulkhead::Bulkhead(BulkheadOptions options) : options_(options) {
  if (options_.max_waiting == 0) options_.max_waiting = options_.max_concurrent;
}

bool Bulkhead::TryEnter() {
  int64_t current = in_flight_.load(std::memory_order_relaxed);
  do {
    if (current >= options_.max_concurrent) return false;
  } while (!in_flight_.compare_exchange_weak(current, current + 1, std::memory_order_acquire,
                                             std::memory_order_relaxed));
  return true;
}

bool Bulkhead::Enter() {
  if (TryEnter()) return true;
  if (options_.max_wait.count() <= 0) return false;
  // Count ourselves as waiting before the last check, so that a Leave() that runs after that
  // check sees us and signals (see Leave).
  if (waiting_.fetch_add(1) >= options_.max_waiting) {
    waiting_.fetch_sub(1);
    return false;
  }
  bool entered;
  {
    std::unique_lock lock(mu_);
    entered = cv_.wait_for(lock, options_.max_wait, [&] { return TryEnter(); });
  }
  waiting_.fetch_sub(1);
  return entered;
}

void Bulkhead::Leave() {
  in_flight_.fetch_sub(1, std::memory_order_release);
  if (waiting_.load() > 0) {
    // Taking the lock orders this notify after a waiter's predicate check.
    std::lock_guard lock(mu_);
    cv_.notify_one();
  }
}

}  // namespace micro::governance

#include "transport/grpc/call_watchdog.h"

#include <pthread.h>

namespace micro::transport::grpc_transport {

CallWatchdog::CallWatchdog() : thread_([this] { Loop(); }) {}

CallWatchdog::~CallWatchdog() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void CallWatchdog::Watch(Entry* entry, const Context& ctx, grpc::ClientContext* call) {
  entry->call = call;
  entry->deadline = ctx.deadline();
  entry->cancellation = ctx.ObserveCancellation();
  bool wake;
  {
    std::lock_guard lock(mu_);
    entry->prev = nullptr;
    entry->next = head_;
    if (head_ != nullptr) head_->prev = entry;
    head_ = entry;
    // The loop sleeps without a timeout while nothing is in flight.
    wake = entry->deadline < next_check_ || next_check_ == Context::Clock::time_point::max();
    if (wake) next_check_ = entry->deadline;
  }
  if (wake) wake_.notify_one();
}

bool CallWatchdog::Unwatch(Entry* entry) {
  std::lock_guard lock(mu_);
  if (entry->prev != nullptr) entry->prev->next = entry->next;
  if (entry->next != nullptr) entry->next->prev = entry->prev;
  if (head_ == entry) head_ = entry->next;
  entry->prev = entry->next = nullptr;
  return entry->expired;
}

void CallWatchdog::CancelAll() {
  std::lock_guard lock(mu_);
  for (Entry* e = head_; e != nullptr; e = e->next) {
    if (!e->ended) e->call->TryCancel();
    e->ended = true;
  }
}

void CallWatchdog::Loop() {
  pthread_setname_np(pthread_self(), "micro-grpc-dog");
  std::unique_lock lock(mu_);
  while (!stopping_) {
    auto now = Context::Clock::now();
    auto next = Context::Clock::time_point::max();
    for (Entry* e = head_; e != nullptr; e = e->next) {
      if (e->ended) continue;
      if (e->deadline <= now) {
        e->expired = true;
      } else if (!e->cancellation.cancelled()) {
        next = std::min(next, e->deadline);
        continue;
      }
      // Under mu_: Unwatch (and so the ClientContext's destruction) waits for this.
      e->call->TryCancel();
      e->ended = true;
    }
    if (head_ != nullptr) next = std::min(next, now + kCancelPollInterval);
    next_check_ = next;
    if (next == Context::Clock::time_point::max()) {
      wake_.wait(lock);
    } else {
      wake_.wait_until(lock, next);
    }
  }
}

}  // namespace micro::transport::grpc_transport

#include "platform/registry/watch_hub.h"

#include <vector>

#include "registry/platform/wire.h"

namespace micro::platform {

namespace {

// How long a cancel waits for its poll to arrive.
constexpr std::chrono::seconds kCancelMemory{30};

http::Response Answer(const std::string& epoch, RegistryStore::EventBatch batch) {
  registry::wire::WatchResponse response{epoch, std::move(batch)};
  return http::Response::Json(200, registry::wire::ToJson(response).dump());
}

}  // namespace

WatchHub::WatchHub(RegistryStore& store) : store_(store) {
  subscription_ = store_.Subscribe([this](uint64_t revision) {
    std::lock_guard lock(mu_);
    dirty_ = true;
    latest_revision_ = std::max(latest_revision_, revision);
    cv_.notify_all();
  });
  thread_ = std::thread([this] { Loop(); });
}

WatchHub::~WatchHub() {
  Shutdown();
  store_.Unsubscribe(subscription_);
}

size_t WatchHub::parked() const {
  std::lock_guard lock(mu_);
  return parked_.size();
}

std::optional<http::Response> WatchHub::Check(Poll& poll, bool expired) {
  std::string epoch = store_.epoch();
  if (!poll.since || poll.epoch != epoch) {
    auto snapshot = store_.Snapshot(poll.service);
    if (!snapshot.ok()) return http::Response::Error(snapshot.status());
    return Answer(epoch, std::move(*snapshot));
  }
  auto batch = store_.EventsSince(*poll.since, poll.service);
  if (!batch.ok()) return http::Response::Error(batch.status());
  if (batch->reset || !batch->events.empty() || expired) return Answer(epoch, std::move(*batch));
  poll.since = batch->revision;
  return std::nullopt;
}

void WatchHub::Submit(Poll poll) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      poll.responder(http::Response::Error(Status::Unavailable("the platform is shutting down")));
      return;
    }
  }
  auto answer = Check(poll, std::chrono::steady_clock::now() >= poll.deadline);
  if (answer) {
    poll.responder(std::move(*answer));
    return;
  }
  std::unique_lock lock(mu_);
  if (stopping_) {
    lock.unlock();
    poll.responder(http::Response::Error(Status::Unavailable("the platform is shutting down")));
    return;
  }
  if (CancelledLocked(poll.watch_id)) {
    auto now_batch = RegistryStore::EventBatch{.revision = *poll.since};
    std::string epoch = poll.epoch;
    auto responder = std::move(poll.responder);
    lock.unlock();
    responder(Answer(epoch, std::move(now_batch)));
    return;
  }
  // A change between Check() and here may already have been handled by the thread: look
  // again then, rather than wait for the next change.
  if (latest_revision_ > *poll.since) dirty_ = true;
  parked_.push_back(std::move(poll));
  cv_.notify_all();
}

void WatchHub::Cancel(const std::string& watch_id) {
  if (watch_id.empty()) return;
  std::optional<Poll> poll;
  {
    std::lock_guard lock(mu_);
    auto now = std::chrono::steady_clock::now();
    for (auto it = cancelled_.begin(); it != cancelled_.end();) {
      it = it->second <= now ? cancelled_.erase(it) : std::next(it);
    }
    for (auto it = parked_.begin(); it != parked_.end(); ++it) {
      if (it->watch_id == watch_id) {
        poll = std::move(*it);
        parked_.erase(it);
        break;
      }
    }
    if (!poll) cancelled_[watch_id] = now + kCancelMemory;
  }
  if (poll)
    poll->responder(Answer(poll->epoch, RegistryStore::EventBatch{.revision = *poll->since}));
}

bool WatchHub::CancelledLocked(const std::string& watch_id) {
  if (watch_id.empty()) return false;
  return cancelled_.erase(watch_id) > 0;
}

void WatchHub::Shutdown() {
  std::list<Poll> parked;
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
  {
    std::lock_guard lock(mu_);
    parked.swap(parked_);
  }
  for (auto& poll : parked) {
    poll.responder(http::Response::Error(Status::Unavailable("the platform is shutting down")));
  }
}

void WatchHub::Loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    auto wake = std::chrono::steady_clock::time_point::max();
    for (const auto& poll : parked_) wake = std::min(wake, poll.deadline);
    // Any notify (a change, a newly parked poll with an earlier deadline, shutdown) ends the
    // wait; the loop then works out what is due.
    if (!dirty_ && std::chrono::steady_clock::now() < wake) cv_.wait_until(lock, wake);
    if (stopping_) break;
    bool all = dirty_;
    dirty_ = false;
    auto now = std::chrono::steady_clock::now();
    std::vector<Poll> due;
    for (auto it = parked_.begin(); it != parked_.end();) {
      if (all || it->deadline <= now) {
        due.push_back(std::move(*it));
        it = parked_.erase(it);
      } else {
        ++it;
      }
    }
    if (due.empty()) continue;
    lock.unlock();
    std::vector<Poll> keep;
    for (auto& poll : due) {
      auto answer = Check(poll, poll.deadline <= now);
      if (answer) {
        poll.responder(std::move(*answer));
      } else {
        keep.push_back(std::move(poll));
      }
    }
    lock.lock();
    for (auto& poll : keep) {
      if (CancelledLocked(poll.watch_id)) {
        auto responder = std::move(poll.responder);
        auto epoch = poll.epoch;
        auto revision = *poll.since;
        lock.unlock();
        responder(Answer(epoch, RegistryStore::EventBatch{.revision = revision}));
        lock.lock();
        continue;
      }
      parked_.push_back(std::move(poll));
    }
  }
}

}  // namespace micro::platform

#include "registry/platform/platform_watcher.h"

#include <micro/http/http.h>
#include <random>

namespace micro::registry {

namespace {

constexpr std::chrono::milliseconds kFirstBackoff{50};
constexpr std::chrono::milliseconds kMaxBackoff{2000};
// Beyond the hold, how long a poll may take before the client gives up on it.
constexpr std::chrono::milliseconds kPollSlack{3000};
constexpr std::chrono::milliseconds kCancelTimeout{500};

std::string NewWatchId() {
  std::random_device rd;
  std::mt19937_64 gen((static_cast<uint64_t>(rd()) << 32) ^ rd());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(16, '0');
  uint64_t bits = gen();
  for (char& c : id) {
    c = kHex[bits & 0xf];
    bits >>= 4;
  }
  return id;
}

}  // namespace

PlatformWatcher::PlatformWatcher(std::shared_ptr<PlatformClient> client, std::string service,
                                 std::chrono::milliseconds hold)
    : client_(std::move(client)),
      service_(std::move(service)),
      hold_(hold),
      watch_id_(NewWatchId()) {}

PlatformWatcher::~PlatformWatcher() {
  Stop();
  size_t host;
  {
    std::lock_guard lock(mu_);
    host = polling_host_;
  }
  // The poll in flight would hold the thread for up to `hold_`; ask the server to answer it.
  // If the cancel races ahead of the poll, the server remembers it for a while.
  if (host != SIZE_MAX) {
    (void)client_->CallHost(host, "POST", std::string(wire::kWatchCancelPath),
                            wire::Json{{"watch_id", watch_id_}}.dump(), kCancelTimeout);
  }
  if (thread_.joinable()) thread_.join();
}

void PlatformWatcher::Start() {
  host_ = client_->preferred_host();
  for (size_t i = 0; i < client_->host_count() && !synced_; ++i) {
    auto r = client_->CallHost(host_, "GET", PollTarget(std::chrono::milliseconds(0)), "",
                               client_->timeout());
    if (r.ok()) {
      auto response = wire::WatchResponseFromJson(*r);
      if (response.ok()) {
        Apply(*response, /*report=*/false, nullptr);
        break;
      }
    }
    host_ = (host_ + 1) % client_->host_count();
  }
  thread_ = std::thread([this] { Loop(); });
}

std::string PlatformWatcher::PollTarget(std::chrono::milliseconds hold) const {
  std::string target = std::string(wire::kWatchPath) + "?service=" + http::PercentEncode(service_) +
                       "&watch_id=" + watch_id_ + "&timeout_ms=" + std::to_string(hold.count());
  if (synced_) target += "&since=" + std::to_string(revision_) + "&epoch=" + epoch_;
  return target;
}

void PlatformWatcher::Loop() {
  auto backoff = kFirstBackoff;
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (stopped_) return;
      polling_host_ = host_;
    }
    auto r = client_->CallHost(host_, "GET", PollTarget(hold_), "", hold_ + kPollSlack);
    {
      std::lock_guard lock(mu_);
      polling_host_ = SIZE_MAX;
      if (stopped_) return;
    }
    Status failure;
    if (r.ok()) {
      auto response = wire::WatchResponseFromJson(*r);
      if (response.ok()) {
        std::deque<Event> events;
        Apply(*response, /*report=*/true, &events);
        SetUp(std::move(events));
        backoff = kFirstBackoff;
        continue;
      }
      failure =
          Status::Unavailable("registry watch answer unreadable: " + response.status().message());
    } else {
      failure = r.status();
    }
    // Unreachable, or the server answered with an error (503 while it shuts down): report
    // it, then retry (on the next host, if there is one) after a growing pause.
    SetDown(Status::Unavailable("registry unreachable: " + failure.message()));
    host_ = (host_ + 1) % client_->host_count();
    std::unique_lock lock(mu_);
    if (cv_.wait_for(lock, backoff, [&] { return stopped_; })) return;
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
}

void PlatformWatcher::Apply(const wire::WatchResponse& response, bool report,
                            std::deque<Event>* out) {
  if (!response.batch.reset && (!synced_ || response.epoch != epoch_)) {
    // Events relative to a state we do not hold (a proxy mixing platforms?): start over
    // from a snapshot on the next poll.
    synced_ = false;
    return;
  }
  if (response.batch.reset) {
    // A snapshot: report the difference between what the caller knows and what is there.
    Known fresh;
    for (const auto& service : response.batch.snapshot) {
      for (const auto& node : service.nodes) fresh[service.name][node.id] = node;
    }
    if (report) {
      for (const auto& [service, nodes] : known_) {
        auto f = fresh.find(service);
        for (const auto& [id, node] : nodes) {
          if (f == fresh.end() || !f->second.count(id)) {
            out->push_back({Event::Type::kRemove, service, node});
          }
        }
      }
      for (const auto& [service, nodes] : fresh) {
        auto k = known_.find(service);
        for (const auto& [id, node] : nodes) {
          const Node* old = nullptr;
          if (k != known_.end()) {
            auto n = k->second.find(id);
            if (n != k->second.end()) old = &n->second;
          }
          if (old == nullptr) {
            out->push_back({Event::Type::kAdd, service, node});
          } else if (!(*old == node)) {
            out->push_back({Event::Type::kUpdate, service, node});
          }
        }
      }
    }
    known_ = std::move(fresh);
  } else {
    for (const auto& e : response.batch.events) {
      auto& nodes = known_[e.event.service];
      if (e.event.type == Event::Type::kRemove) {
        nodes.erase(e.event.node.id);
        if (nodes.empty()) known_.erase(e.event.service);
      } else {
        nodes[e.event.node.id] = e.event.node;
      }
      if (report) out->push_back(e.event);
    }
  }
  synced_ = true;
  epoch_ = response.epoch;
  revision_ = response.batch.revision;
}

void PlatformWatcher::SetDown(const Status& status) {
  std::lock_guard lock(mu_);
  if (!down_) ++down_count_;
  down_ = true;
  down_status_ = status;
  cv_.notify_all();
}

void PlatformWatcher::SetUp(std::deque<Event> events) {
  std::lock_guard lock(mu_);
  down_ = false;
  for (auto& e : events) queue_.push_back(std::move(e));
  cv_.notify_all();
}

Result<Event> PlatformWatcher::Next(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock lock(mu_);
  while (true) {
    if (stopped_) return Status::Cancelled("watcher stopped");
    if (!queue_.empty()) {
      Event e = std::move(queue_.front());
      queue_.pop_front();
      return e;
    }
    // A new outage is news at once; while it lasts, Next waits out its timeout first so a
    // caller looping on Next does not spin.
    if (down_ && down_reported_ != down_count_) {
      down_reported_ = down_count_;
      return down_status_;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      if (down_) return down_status_;
      return Status::DeadlineExceeded("no registry change within the timeout");
    }
    cv_.wait_until(lock, deadline);
  }
}

void PlatformWatcher::Stop() {
  std::lock_guard lock(mu_);
  stopped_ = true;
  queue_.clear();
  cv_.notify_all();
}

}  // namespace micro::registry

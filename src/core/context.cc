#include <micro/core/context.h>

#include <algorithm>
#include <atomic>
#include <mutex>

namespace micro {

namespace {

char LowerAscii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// `name` is a stored (lower-case) key; `key` may be in any case. No allocation: this is
// on every call's path (Get of x-request-id, x-micro-lane, ...).
bool SameKey(std::string_view name, std::string_view key) {
  if (name.size() != key.size()) return false;
  for (size_t i = 0; i < key.size(); ++i) {
    if (name[i] != LowerAscii(key[i])) return false;
  }
  return true;
}

}  // namespace

void Metadata::Add(std::string_view key, std::string_view value) {
  // Keys from gRPC and most callers are lower-case already: copy once, then fix in place.
  auto& entry = entries_.emplace_back(std::string(key), std::string(value));
  for (char& c : entry.first) c = LowerAscii(c);
}

void Metadata::Set(std::string_view key, std::string_view value) {
  Remove(key);
  Add(key, value);
}

std::optional<std::string_view> Metadata::Get(std::string_view key) const {
  for (const auto& [name, value] : entries_) {
    if (SameKey(name, key)) return std::string_view(value);
  }
  return std::nullopt;
}

void Metadata::Remove(std::string_view key) {
  std::erase_if(entries_, [&](const Entry& e) { return SameKey(e.first, key); });
}

bool Metadata::IsHopByHop(std::string_view key) {
  static constexpr std::string_view kHop[] = {
      "content-type",    "content-length",    "host",      "connection", "te", "user-agent",
      "accept-encoding", "transfer-encoding", "keep-alive"};
  if (key.starts_with("grpc-") || key.starts_with(":")) return true;
  return std::find(std::begin(kHop), std::end(kHop), key) != std::end(kHop);
}

// Cancellation is shared by a context and its copies; children link to their parent so
// that cancelling a call cancels all work done on its behalf.
struct Context::CancelState {
  std::mutex mu;
  // Written under `mu`; read without it, so that checking is cheap on every call's path.
  std::atomic<bool> cancelled{false};
  uint64_t next_handle = 1;
  std::vector<std::pair<uint64_t, std::function<void()>>> callbacks;
  std::vector<std::weak_ptr<CancelState>> children;

  void Cancel() {
    std::vector<std::pair<uint64_t, std::function<void()>>> to_run;
    std::vector<std::weak_ptr<CancelState>> kids;
    {
      std::lock_guard lock(mu);
      if (cancelled.load(std::memory_order_relaxed)) return;
      cancelled.store(true, std::memory_order_release);
      to_run.swap(callbacks);
      kids.swap(children);
    }
    for (auto& [handle, fn] : to_run) fn();
    for (auto& weak : kids) {
      if (auto child = weak.lock()) child->Cancel();
    }
  }
};

Context::Context() : cancel_(std::make_shared<CancelState>()) {}

Context Context::Child() const {
  Context child;
  child.deadline_ = deadline_;
  child.metadata_ = metadata_;
  child.trace_ = trace_;
  child.peer_ = peer_;
  bool parent_cancelled;
  {
    std::lock_guard lock(cancel_->mu);
    parent_cancelled = cancel_->cancelled;
    if (!parent_cancelled) {
      std::erase_if(cancel_->children, [](const auto& w) { return w.expired(); });
      cancel_->children.push_back(child.cancel_);
    }
  }
  if (parent_cancelled) child.Cancel();
  return child;
}

std::chrono::nanoseconds Context::Remaining() const {
  if (!has_deadline()) return std::chrono::hours(24 * 365);
  auto left = deadline_ - Clock::now();
  return left.count() > 0 ? std::chrono::duration_cast<std::chrono::nanoseconds>(left)
                          : std::chrono::nanoseconds(0);
}

void Context::Cancel() { cancel_->Cancel(); }

bool Context::cancelled() const { return cancel_->cancelled.load(std::memory_order_acquire); }

Context::CancelObserver Context::ObserveCancellation() const {
  CancelObserver observer;
  observer.state_ = cancel_;
  return observer;
}

bool Context::CancelObserver::cancelled() const {
  return state_ != nullptr && state_->cancelled.load(std::memory_order_acquire);
}

uint64_t Context::OnCancel(std::function<void()> fn) {
  uint64_t handle;
  {
    std::lock_guard lock(cancel_->mu);
    if (!cancel_->cancelled) {
      handle = cancel_->next_handle++;
      cancel_->callbacks.emplace_back(handle, std::move(fn));
      return handle;
    }
  }
  fn();
  return 0;
}

void Context::RemoveOnCancel(uint64_t handle) {
  std::lock_guard lock(cancel_->mu);
  std::erase_if(cancel_->callbacks, [&](const auto& cb) { return cb.first == handle; });
}

}  // namespace micro

#include <micro/runtime/timer.h>

#include <pthread.h>

#include <algorithm>

namespace micro::runtime {

Timer::Timer() : thread_([this] { Loop(); }) {}

Timer::~Timer() { Shutdown(); }

Timer::Id Timer::After(std::chrono::steady_clock::duration delay, Task task) {
  Id id = Reserve();
  if (id == 0) return 0;
  return Schedule(id, delay, std::move(task)) ? id : 0;
}

Timer::Id Timer::Reserve() {
  std::lock_guard lock(mu_);
  if (stopping_) return 0;
  Id id = next_id_++;
  reserved_.insert(id);
  return id;
}

bool Timer::Schedule(Id id, std::chrono::steady_clock::duration delay, Task task) {
  auto due = std::chrono::steady_clock::now() +
             std::max(delay, std::chrono::steady_clock::duration::zero());
  {
    std::lock_guard lock(mu_);
    if (!stopping_ && reserved_.erase(id) == 1) {
      bool earliest = tasks_.empty() || Key{due, id} < tasks_.begin()->first;
      tasks_.emplace(Key{due, id}, std::move(task));
      due_.emplace(id, due);
      if (earliest) cv_.notify_one();
      return true;
    }
  }
  return false;  // `task` is destroyed here, outside the lock
}

bool Timer::Cancel(Id id) {
  Task dropped;  // destroyed outside the lock: its destructor may call back into us
  {
    std::lock_guard lock(mu_);
    if (reserved_.erase(id) == 1) return true;
    auto it = due_.find(id);
    if (it == due_.end()) return false;
    auto node = tasks_.find(Key{it->second, id});
    dropped = std::move(node->second);
    tasks_.erase(node);
    due_.erase(it);
  }
  return true;
}

void Timer::Shutdown() {
  std::call_once(shutdown_once_, [this] {
    std::map<Key, Task> dropped;
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
      dropped.swap(tasks_);
      due_.clear();
      reserved_.clear();
    }
    cv_.notify_all();
    thread_.join();
    dropped.clear();
  });
}

size_t Timer::pending() const {
  std::lock_guard lock(mu_);
  return tasks_.size();
}

void Timer::Loop() {
  pthread_setname_np(pthread_self(), "micro-timer");
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (tasks_.empty()) {
      cv_.wait(lock);
      continue;
    }
    auto first = tasks_.begin();
    // A copy: the task (and its key) may be cancelled while this thread waits.
    const auto due = first->first.first;
    if (due > std::chrono::steady_clock::now()) {
      cv_.wait_until(lock, due);
      continue;
    }
    Task task = std::move(first->second);
    due_.erase(first->first.second);
    tasks_.erase(first);
    lock.unlock();
    task();
    task = nullptr;  // destroy captures outside the lock too
    lock.lock();
  }
}

Timer& Timer::Shared() {
  static Timer* timer = new Timer();  // never destroyed: tasks may be pending at exit
  return *timer;
}

}  // namespace micro::runtime

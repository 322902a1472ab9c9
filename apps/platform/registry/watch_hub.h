// WatchHub: the long-polls of GET /v1/registry/watch. A poll with news (events after its
// revision, or a resync) is answered at once; any other is parked with its Responder,
// without holding a thread, and answered by the hub's thread when the store changes, when
// its hold time is up, when its watcher cancels it, or with UNAVAILABLE at Shutdown().
//
//   WatchHub hub(store);
//   hub.Submit({.service = "greeter", .since = 12, .epoch = e, .deadline = t, .responder = res});
//
// Submit() calls the store, so it runs on a worker thread, never an io thread. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <micro/http/http.h>

#include "platform/registry/registry_store.h"

namespace micro::platform {

class WatchHub {
 public:
  struct Poll {
    std::string watch_id;           // chosen by the client, to cancel the poll; may be empty
    std::string service;            // "" = all services
    std::optional<uint64_t> since;  // none: answer with a snapshot (the watcher's baseline)
    std::string epoch;              // the store epoch `since` belongs to
    std::chrono::steady_clock::time_point deadline;
    http::Responder responder;
  };

  explicit WatchHub(RegistryStore& store);
  ~WatchHub();  // Shutdown()

  void Submit(Poll poll);
  // Answers the poll of `watch_id` now (with no events); remembered for a while in case the
  // poll itself is still on its way.
  void Cancel(const std::string& watch_id);
  // Answers every parked poll, and every later one, with UNAVAILABLE; joins the thread.
  void Shutdown();

  size_t parked() const;

 private:
  // The answer for `poll` if it has one now (`expired`: the hold is over, answer anyway).
  // Advances poll.since when there is nothing to tell, so later checks read less.
  std::optional<http::Response> Check(Poll& poll, bool expired);
  void Loop();
  // Under mu_: true when `watch_id` was cancelled recently.
  bool CancelledLocked(const std::string& watch_id);

  RegistryStore& store_;
  uint64_t subscription_ = 0;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::list<Poll> parked_;
  bool dirty_ = false;            // the store changed since the thread last looked
  uint64_t latest_revision_ = 0;  // the newest revision the store announced
  std::map<std::string, std::chrono::steady_clock::time_point> cancelled_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace micro::platform

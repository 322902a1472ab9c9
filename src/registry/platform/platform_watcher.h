// A platform:// watch: a background thread long-polls GET /v1/registry/watch and feeds a
// queue that Next() drains. It tracks the nodes it has reported, so that when it must
// resync (the server restarted, or it fell behind the server's event log) it turns the
// server's snapshot into the add/update/remove events that bring the caller up to date:
// nothing is lost across an outage, only delayed.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <micro/registry/registry.h>

#include "registry/platform/platform_client.h"

namespace micro::registry {

class PlatformWatcher final : public Watcher {
 public:
  // `hold` is how long the server keeps a poll open when nothing changes.
  PlatformWatcher(std::shared_ptr<PlatformClient> client, std::string service,
                  std::chrono::milliseconds hold);
  ~PlatformWatcher() override;

  // Takes the baseline (the nodes already there, which are not reported) and starts
  // polling. When the server is unreachable it still starts: the first snapshot it gets
  // is then reported as adds.
  void Start();

  // registry::Watcher
  Result<Event> Next(std::chrono::milliseconds timeout) override;
  void Stop() override;

 private:
  using Known = std::map<std::string, std::map<std::string, Node>>;  // service -> id -> node

  void Loop();
  std::string PollTarget(std::chrono::milliseconds hold) const;
  // Applies one answer of the server; events to report go to `out`.
  void Apply(const wire::WatchResponse& response, bool report, std::deque<Event>* out);
  void SetDown(const Status& status);
  void SetUp(std::deque<Event> events);

  const std::shared_ptr<PlatformClient> client_;
  const std::string service_;
  const std::chrono::milliseconds hold_;
  const std::string watch_id_;

  // Only the polling thread (or Start(), before it runs) touches these.
  size_t host_ = 0;
  bool synced_ = false;
  std::string epoch_;
  uint64_t revision_ = 0;
  Known known_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Event> queue_;
  bool stopped_ = false;
  bool down_ = false;
  Status down_status_;
  uint64_t down_count_ = 0;         // outages so far
  uint64_t down_reported_ = 0;      // outages Next() has reported
  size_t polling_host_ = SIZE_MAX;  // the host of the poll in flight, if any
  std::thread thread_;
};

}  // namespace micro::registry

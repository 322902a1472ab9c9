// ExpirySweeper: a thread that calls RegistryStore::Sweep() every `interval`, so that nodes
// whose TTL passed are removed (and their kRemove events reach watchers) even when nobody
// reads the registry.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "platform/registry/registry_store.h"

namespace micro::platform {

class ExpirySweeper {
 public:
  ExpirySweeper(RegistryStore& store, std::chrono::milliseconds interval);
  ~ExpirySweeper();  // Stop()
  void Stop();       // joins the thread; idempotent

 private:
  RegistryStore& store_;
  const std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace micro::platform

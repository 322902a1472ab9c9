// Helpers for tests of registries and of what uses them: a ready-made node, and waiting
// on a watcher for the event of one node.
#pragma once

#include <algorithm>
#include <chrono>
#include <string>

#include <micro/registry/registry.h>

namespace micro::registry::testing {

using namespace std::chrono_literals;

// A valid node: 127.0.0.1, grpc on `port`, http on `port` + 1000, version 1.0.0, zone a.
inline Node TestNode(const std::string& id, uint16_t port = 50051) {
  return Node{.id = id,
              .host = "127.0.0.1",
              .ports = {{"grpc", port}, {"http", static_cast<uint16_t>(port + 1000)}},
              .version = "1.0.0",
              .metadata = {{"zone", "a"}}};
}

inline const char* TypeName(Event::Type t) {
  switch (t) {
    case Event::Type::kAdd:
      return "add";
    case Event::Type::kUpdate:
      return "update";
    case Event::Type::kRemove:
      return "remove";
  }
  return "?";
}

// Next() until an event for `node_id` arrives (other events are skipped); the event, or the
// last error when none came within `timeout`.
inline Result<Event> NextFor(Watcher& w, const std::string& node_id,
                             std::chrono::milliseconds timeout = 5s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  Status last = Status::DeadlineExceeded("no event for " + node_id);
  while (std::chrono::steady_clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    auto e = w.Next(std::max(left, 1ms));
    if (e.ok() && e->node.id == node_id) return e;
    if (!e.ok()) last = e.status();
  }
  return last;
}

}  // namespace micro::registry::testing

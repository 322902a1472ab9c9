// MemoryStore's TTL and event-log rules, on a fake clock.
#include <micro/registry/memory_store.h>

#include <gtest/gtest.h>

namespace micro::registry {
namespace {

using namespace std::chrono_literals;

class MemoryStoreTest : public ::testing::Test {
 protected:
  MemoryStore::Options FakeClock(size_t log_capacity = 4096) {
    return {.event_log_capacity = log_capacity, .now = [this] { return now_; }};
  }
  static Node N(const std::string& id) {
    return Node{.id = id, .host = "127.0.0.1", .ports = {{"grpc", 1}}};
  }
  MemoryStore::Clock::time_point now_{std::chrono::seconds(1000)};
};

TEST_F(MemoryStoreTest, TtlExpiresExactlyAtTheDeadlineAndHeartbeatsRenewIt) {
  MemoryStore store(FakeClock());
  ASSERT_TRUE(store.Register({.name = "s"}, N("a"), 10s).ok());
  now_ += 9s;
  ASSERT_TRUE(store.Heartbeat("s", "a").ok());
  now_ += 9s;  // 18 s after registration, 9 s after the heartbeat
  EXPECT_TRUE(store.Get("s").ok());
  EXPECT_EQ(store.Sweep(), now_ + 1s) << "the next expiry is the renewed deadline";
  now_ += 1s;
  EXPECT_EQ(store.Get("s").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store.Heartbeat("s", "a").code(), StatusCode::kNotFound);
  EXPECT_EQ(store.Sweep(), MemoryStore::Clock::time_point::max());
}

TEST_F(MemoryStoreTest, ExpiryEmitsARemoveEventToListeners) {
  MemoryStore store(FakeClock());
  std::vector<std::string> seen;
  store.Subscribe([&](const MemoryStore::RevisionedEvent& e) {
    seen.push_back(std::to_string(e.revision) + ":" + e.event.node.id);
  });
  ASSERT_TRUE(store.Register({.name = "s"}, N("a"), 5s).ok());
  now_ += 5s;
  store.Sweep();
  EXPECT_EQ(seen, (std::vector<std::string>{"1:a", "2:a"}));
  auto batch = store.EventsSince(1, "s");
  ASSERT_EQ(batch.events.size(), 1u);
  EXPECT_EQ(batch.events[0].event.type, Event::Type::kRemove);
  EXPECT_EQ(batch.revision, 2u);
}

TEST_F(MemoryStoreTest, ReRegisteringAnUnchangedNodeOnlyRenewsIt) {
  MemoryStore store(FakeClock());
  ASSERT_TRUE(store.Register({.name = "s"}, N("a"), 5s).ok());
  now_ += 4s;
  ASSERT_TRUE(store.Register({.name = "s"}, N("a"), 5s).ok());
  EXPECT_EQ(store.revision(), 1u) << "no event for an identical registration";
  now_ += 4s;
  EXPECT_TRUE(store.Get("s").ok()) << "the registration renewed the TTL";
}

TEST_F(MemoryStoreTest, EventsSinceFiltersByServiceAndResetsWhenBehindTheLog) {
  MemoryStore store(FakeClock(/*log_capacity=*/3));
  ASSERT_TRUE(store.Register({.name = "s"}, N("a"), 5s).ok());  // 1
  ASSERT_TRUE(store.Register({.name = "t"}, N("b"), 5s).ok());  // 2
  ASSERT_TRUE(store.Register({.name = "s"}, N("c"), 5s).ok());  // 3
  auto s_only = store.EventsSince(0, "s");
  EXPECT_FALSE(s_only.reset);
  ASSERT_EQ(s_only.events.size(), 2u);
  EXPECT_EQ(s_only.events[1].revision, 3u);

  ASSERT_TRUE(store.Deregister("s", "a").ok());  // 4: drops revision 1 from the log
  auto behind = store.EventsSince(0, "s");
  EXPECT_TRUE(behind.reset);
  EXPECT_EQ(behind.revision, 4u);
  ASSERT_EQ(behind.snapshot.size(), 1u);
  EXPECT_EQ(behind.snapshot[0].nodes.size(), 1u);
  EXPECT_FALSE(store.EventsSince(1, "s").reset) << "revision 1 was seen, 2.. are kept";

  auto ahead = store.EventsSince(99, "");
  EXPECT_TRUE(ahead.reset) << "a revision this store never had means another store's";
  EXPECT_EQ(ahead.snapshot.size(), 2u);
  EXPECT_TRUE(store.EventsSince(4, "").events.empty());
}

TEST_F(MemoryStoreTest, UnsubscribedListenersStopReceiving) {
  MemoryStore store(FakeClock());
  int calls = 0;
  auto id = store.Subscribe([&](const MemoryStore::RevisionedEvent&) { ++calls; });
  ASSERT_TRUE(store.Register({.name = "s"}, N("a"), 5s).ok());
  store.Unsubscribe(id);
  ASSERT_TRUE(store.Deregister("s", "a").ok());
  EXPECT_EQ(calls, 1);
}

TEST_F(MemoryStoreTest, EpochsDiffer) {
  MemoryStore a, b;
  EXPECT_EQ(a.epoch().size(), 16u);
  EXPECT_NE(a.epoch(), b.epoch());
}

}  // namespace
}  // namespace micro::registry

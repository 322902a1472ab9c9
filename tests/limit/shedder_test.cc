// Shedder: decisions from a CPU source set by hand and a ManualClock.
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <micro/core/clock.h>
#include <micro/governance/shedder.h>

#include "limit/call_helpers.h"
#include "support/wait.h"

namespace micro::governance {
namespace {

using std::chrono::milliseconds;

class FakeCpu final : public CpuSource {
 public:
  double Usage() const override { return usage.load(); }
  std::atomic<double> usage{0.2};
};

// 50 calls start together in each 100 ms bucket and all finish 20 ms later: the server
// has shown 500 calls/s at 20 ms each, so Little's law allows 10 in flight.
void BuildHistory(Shedder& shedder, ManualClock& clock, int buckets) {
  for (int b = 0; b < buckets; ++b) {
    std::vector<Shedder::Admission> calls;
    for (int i = 0; i < 50; ++i) calls.push_back(*shedder.Allow());
    clock.Advance(milliseconds(20));
    for (auto& a : calls) shedder.Pass(a);
    clock.Advance(milliseconds(80));
  }
}

class ShedderTest : public ::testing::Test {
 protected:
  ShedderTest() { clock.Set(Clock::time_point(std::chrono::seconds(1000))); }
  FakeCpu cpu;
  ManualClock clock;
};

TEST_F(ShedderTest, WithoutHistoryAssumesTen) {
  Shedder shedder({}, cpu, clock);
  EXPECT_EQ(shedder.MaxInFlight(), 10);  // 1 call per 100 ms bucket lasting 1 s
}

TEST_F(ShedderTest, EstimatesMaxInFlightFromHistory) {
  Shedder shedder({}, cpu, clock);
  BuildHistory(shedder, clock, 10);
  EXPECT_EQ(shedder.MaxInFlight(), 10);
  EXPECT_EQ(shedder.in_flight(), 0);
}

TEST_F(ShedderTest, ShedsOnlyWhenCpuIsHotAndInFlightIsAboveTheEstimate) {
  Shedder shedder({.cpu_threshold = 0.9}, cpu, clock);
  BuildHistory(shedder, clock, 10);
  std::vector<Shedder::Admission> held;

  // Cool CPU: any number in flight is fine.
  cpu.usage = 0.5;
  for (int i = 0; i < 30; ++i) {
    auto a = shedder.Allow();
    ASSERT_TRUE(a.has_value());
    held.push_back(*a);
  }
  for (auto& a : held) shedder.Fail(a);
  held.clear();

  // Hot CPU: admitted while in flight <= 10, then shed.
  cpu.usage = 0.95;
  for (int i = 0; i < 11; ++i) {
    auto a = shedder.Allow();
    ASSERT_TRUE(a.has_value()) << i;
    held.push_back(*a);
  }
  EXPECT_FALSE(shedder.Allow().has_value());
  EXPECT_EQ(shedder.dropped(), 1u);

  // CPU cools, but within cool_off of the last drop the shedder stays armed.
  cpu.usage = 0.5;
  clock.Advance(milliseconds(500));
  EXPECT_FALSE(shedder.Allow().has_value());
  shedder.Fail(held.back());
  held.pop_back();
  EXPECT_TRUE(shedder.Allow().has_value());  // back to 10 in flight + this one
  // cool_off (1 s) after the last drop, with a cool CPU: no shedding however many.
  clock.Advance(milliseconds(1000));
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(shedder.Allow().has_value());
  EXPECT_EQ(shedder.dropped(), 2u);
}

TEST_F(ShedderTest, OldHistoryAgesOut) {
  Shedder shedder({}, cpu, clock);
  BuildHistory(shedder, clock, 5);
  EXPECT_EQ(shedder.MaxInFlight(), 10);
  clock.Advance(std::chrono::seconds(6));  // beyond the 5 s window
  EXPECT_EQ(shedder.MaxInFlight(), 10);    // the no-history default again
  // Now faster calls: 50 per bucket lasting 2 ms -> 500/s * 0.002 = 1.
  for (int b = 0; b < 3; ++b) {
    std::vector<Shedder::Admission> calls;
    for (int i = 0; i < 50; ++i) calls.push_back(*shedder.Allow());
    clock.Advance(milliseconds(2));
    for (auto& a : calls) shedder.Pass(a);
    clock.Advance(milliseconds(98));
  }
  EXPECT_EQ(shedder.MaxInFlight(), 1);
}

TEST_F(ShedderTest, ValidateNamesTheField) {
  EXPECT_TRUE(ShedderOptions{}.Validate().ok());
  EXPECT_TRUE(
      ShedderOptions{.cpu_threshold = 0}.Validate().message().starts_with("cpu_threshold:"));
  EXPECT_TRUE(ShedderOptions{.buckets = 1}.Validate().message().starts_with("buckets:"));
  EXPECT_TRUE(
      ShedderOptions{.window = milliseconds(10)}.Validate().message().starts_with("window:"));
  ShedderInterceptorOptions bad{.exempt = {"nope"}};
  EXPECT_TRUE(bad.Validate().message().starts_with("exempt[0]:")) << bad.Validate();
}

TEST_F(ShedderTest, InterceptorShedsWithResourceExhaustedAndExemptsHealth) {
  auto shed = ShedderInterceptor::Create({}, cpu, clock);
  ASSERT_TRUE(shed.ok()) << shed.status();
  const server::Method work = testing::MakeMethod("svc.S", "Work");
  const server::Method health = testing::MakeMethod("grpc.health.v1.Health", "Check");
  std::vector<Shedder::Admission> held;
  cpu.usage = 0.99;
  // Fill in-flight past the default estimate (10) directly on the shedder.
  for (int i = 0; i < 11; ++i) held.push_back(*(*shed)->shedder()->Allow());
  auto chain = testing::ChainOf(*shed);
  Status s = testing::Call(chain, work);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(s.message(), "server overloaded, call to /svc.S/Work shed");
  EXPECT_TRUE(testing::Call(chain, health).ok());
  for (auto& a : held) (*shed)->shedder()->Fail(a);
  cpu.usage = 0.1;
  clock.Advance(std::chrono::seconds(2));
  EXPECT_TRUE(testing::Call(chain, work).ok());
  EXPECT_EQ((*shed)->shedder()->in_flight(), 0);
  auto failing = testing::ChainOf(*shed, [] { return Status::DeadlineExceeded("late"); });
  EXPECT_EQ(testing::Call(failing, work).code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ((*shed)->shedder()->in_flight(), 0);

  // Hot reload: a bad option changes nothing; a good one takes effect for new calls.
  EXPECT_TRUE(
      (*shed)->Update({.shedder = {.buckets = 0}}).message().starts_with("shedder.buckets:"));
  EXPECT_EQ((*shed)->shedder()->options().cpu_threshold, 0.9);
  ASSERT_TRUE((*shed)->Update({.shedder = {.cpu_threshold = 0.5}}).ok());
  EXPECT_EQ((*shed)->shedder()->options().cpu_threshold, 0.5);
}

TEST(ProcCpuSourceTest, ReadsTheMachinesCpu) {
  ProcCpuSource cpu({.interval = milliseconds(10), .decay = 0});
  std::atomic<bool> stop{false};
  std::thread spinner([&] {
    while (!stop.load()) {
    }
  });
  bool busy = micro::testing::WaitFor([&] { return cpu.Usage() > 0.05; }, std::chrono::seconds(5));
  stop = true;
  spinner.join();
  EXPECT_TRUE(busy);
  EXPECT_LE(cpu.Usage(), 1.0);
  EXPECT_TRUE(ProcCpuOptions{.decay = 1}.Validate().message().starts_with("decay:"));
}

}  // namespace
}  // namespace micro::governance

// Samplers and the Tracer: which spans are recorded, and that a trace's decision
// follows it from parent to child.
#include <micro/trace/sampler.h>

#include <gtest/gtest.h>

#include <mutex>
#include <set>
#include <vector>

#include <micro/trace/tracer.h>

namespace micro::trace {
namespace {

class Collect : public SpanProcessor {
 public:
  void OnEnd(SpanData&& span) override {
    std::lock_guard lock(mu_);
    spans_.push_back(std::move(span));
  }
  std::vector<SpanData> spans() {
    std::lock_guard lock(mu_);
    return spans_;
  }

 private:
  std::mutex mu_;
  std::vector<SpanData> spans_;
};

TEST(Sampler, RatioKeepsTheAskedShareOfRootSpans) {
  auto collect = std::make_shared<Collect>();
  auto sampler = NewSampler("traceidratio", 0.1);
  ASSERT_TRUE(sampler.ok());
  Tracer tracer(*sampler, collect);
  constexpr int kRoots = 10000;
  int sampled = 0;
  for (int i = 0; i < kRoots; ++i) {
    Span span = tracer.StartSpan("root", SpanKind::kServer, nullptr);
    if (span.context().sampled()) ++sampled;
    EXPECT_EQ(span.recording(), span.context().sampled());
  }
  EXPECT_NEAR(sampled, kRoots / 10, kRoots * 0.015) << sampled << " of " << kRoots;
  EXPECT_EQ(collect->spans().size(), static_cast<size_t>(sampled));
}

TEST(Sampler, RatioDecidesByTraceIdAlone) {
  auto ratio = TraceIdRatioSampler(0.5);
  for (int i = 0; i < 1000; ++i) {
    TraceId id = NewTraceId();
    bool first = ratio->ShouldSample(nullptr, id);
    // The same id gets the same answer, whoever asks (another process would too).
    EXPECT_EQ(TraceIdRatioSampler(0.5)->ShouldSample(nullptr, id), first);
  }
  TraceId low, high;
  ASSERT_TRUE(TraceIdFromHex("ffffffffffffffff0000000000000001", &low));
  ASSERT_TRUE(TraceIdFromHex("00000000000000000fffffffffffffff", &high));
  EXPECT_TRUE(TraceIdRatioSampler(0.1)->ShouldSample(nullptr, low));
  EXPECT_TRUE(TraceIdRatioSampler(0.1)->ShouldSample(nullptr, high));  // 0x0f.. < 0.1 x 2^64
  ASSERT_TRUE(TraceIdFromHex("00000000000000001a00000000000000", &high));
  EXPECT_FALSE(TraceIdRatioSampler(0.1)->ShouldSample(nullptr, high));
  EXPECT_FALSE(TraceIdRatioSampler(0.0)->ShouldSample(nullptr, low));
  EXPECT_TRUE(TraceIdRatioSampler(1.0)->ShouldSample(nullptr, high));
}

TEST(Sampler, ParentBasedHonoursTheParentsFlag) {
  auto sampler = NewSampler("parentbased_traceidratio", 0.0);  // roots: never
  ASSERT_TRUE(sampler.ok());
  auto collect = std::make_shared<Collect>();
  Tracer tracer(*sampler, collect);

  Span root = tracer.StartSpan("root", SpanKind::kServer, nullptr);
  EXPECT_FALSE(root.context().sampled());
  EXPECT_FALSE(root.recording());

  auto sampled_parent = ParseTraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  ASSERT_TRUE(sampled_parent.ok());
  sampled_parent->trace_state = "congo=t61rcWkgMzE";
  Span child = tracer.StartSpan("child", SpanKind::kServer, &*sampled_parent);
  EXPECT_TRUE(child.context().sampled());
  EXPECT_TRUE(child.recording());
  EXPECT_EQ(child.context().trace_id, sampled_parent->trace_id);
  EXPECT_NE(child.context().span_id, sampled_parent->span_id);
  EXPECT_EQ(child.context().trace_state, "congo=t61rcWkgMzE");
  child.End();

  auto dropped_parent = ParseTraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  ASSERT_TRUE(dropped_parent.ok());
  auto on = NewSampler("parentbased_always_on", 1.0);
  ASSERT_TRUE(on.ok());
  Tracer tracer_on(*on, collect);
  Span not_sampled = tracer_on.StartSpan("child", SpanKind::kServer, &*dropped_parent);
  EXPECT_FALSE(not_sampled.context().sampled());
  EXPECT_FALSE(not_sampled.recording());
  // Even unsampled, the span has its own id in the same trace, for logs and children.
  EXPECT_EQ(not_sampled.context().trace_id, dropped_parent->trace_id);
  EXPECT_TRUE(not_sampled.context().span_id.valid());
  EXPECT_EQ(not_sampled.TraceParent().substr(0, 36), "00-4bf92f3577b34da6a3ce929d0e0e4736-");
  EXPECT_TRUE(not_sampled.TraceParent().ends_with("-00"));

  auto spans = collect->spans();
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].name, "child");
  EXPECT_EQ(spans[0].parent_span_id, sampled_parent->span_id);

  // A plain ratio sampler ignores the parent.
  Tracer always_off(AlwaysOffSampler(), collect);
  EXPECT_FALSE(always_off.StartSpan("x", SpanKind::kClient, &*sampled_parent).context().sampled());
}

TEST(Sampler, NamesAreOpenTelemetrysAndBadOnesAreNamed) {
  for (const char* name : {"always_on", "always_off", "traceidratio", "parentbased_always_on",
                           "parentbased_always_off", "parentbased_traceidratio"}) {
    EXPECT_TRUE(NewSampler(name, 0.5).ok()) << name;
  }
  auto bad = NewSampler("sometimes", 0.5);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("trace.sampler"), std::string::npos);
  EXPECT_NE(bad.status().message().find("parentbased_traceidratio"), std::string::npos);
  auto ratio = NewSampler("traceidratio", 1.5);
  ASSERT_FALSE(ratio.ok());
  EXPECT_NE(ratio.status().message().find("trace.ratio"), std::string::npos);
}

TEST(Span, RecordsAttributesEventsStatusAndTimes) {
  auto collect = std::make_shared<Collect>();
  Tracer tracer(AlwaysOnSampler(), collect);
  {
    Span span = tracer.StartSpan("op", SpanKind::kInternal, nullptr);
    span.SetAttribute("s", "text");
    span.SetAttribute("i", 42);
    span.SetAttribute("b", true);
    span.SetAttribute("d", 0.5);
    span.SetAttribute("i", int64_t{43});  // replaces
    span.AddEvent("step", {{"n", int64_t{1}}});
    span.SetStatus(SpanStatus::kError, "broke");
    span.SetStatus(SpanStatus::kError, "second");  // the first error wins
  }                                                // ends on scope exit
  auto spans = collect->spans();
  ASSERT_EQ(spans.size(), 1u);
  const SpanData& s = spans[0];
  EXPECT_EQ(s.name, "op");
  EXPECT_FALSE(s.parent_span_id.valid());
  EXPECT_GT(s.start_unix_nano, 1'600'000'000'000'000'000);
  EXPECT_GE(s.end_unix_nano, s.start_unix_nano);
  ASSERT_EQ(s.attributes.size(), 4u);
  EXPECT_EQ(std::get<std::string>(s.attributes[0].second), "text");
  EXPECT_EQ(std::get<int64_t>(s.attributes[1].second), 43);
  EXPECT_EQ(std::get<bool>(s.attributes[2].second), true);
  EXPECT_EQ(std::get<double>(s.attributes[3].second), 0.5);
  ASSERT_EQ(s.events.size(), 1u);
  EXPECT_EQ(s.events[0].name, "step");
  EXPECT_EQ(s.status, SpanStatus::kError);
  EXPECT_EQ(s.status_message, "broke");
}

TEST(Tracer, IdsAreUniqueAndNeverZero) {
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) {
    TraceId t = NewTraceId();
    SpanId s = NewSpanId();
    ASSERT_TRUE(t.valid() && s.valid());
    ASSERT_TRUE(seen.insert(t.Hex()).second);
  }
}

}  // namespace
}  // namespace micro::trace

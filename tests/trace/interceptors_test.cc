// The tracing interceptors on their own: what the client attempt interceptor sends
// downstream, and that it never writes the caller's Context.
#include <micro/trace/interceptors.h>

#include <gtest/gtest.h>

#include <mutex>
#include <vector>

#include <micro/trace/tracer.h>

namespace micro::trace {
namespace {

constexpr char kSampledParent[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
constexpr char kUnsampledParent[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00";

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

// The end of an attempt chain: records the trace context the transport would send.
struct Wire {
  static void Send(void* owner, Context& ctx, client::ClientCall&, client::Done done) {
    static_cast<Wire*>(owner)->sent.push_back(ctx.trace());
    done(Status::Unavailable("10.0.0.7:9000: refused"));
  }
  std::vector<TraceContext> sent;
};

Status RunAttempt(ClientAttemptTracing& tracing, Context& ctx, Wire& wire, int attempt) {
  std::vector<std::shared_ptr<client::ClientInterceptor>> chain;
  client::ClientCall call{.service = "inventory", .method = "/inventory.Stock/Reserve"};
  call.attempt = attempt;
  call.address = "10.0.0.7:9000";
  Status result;
  tracing.Intercept(ctx, call, client::ClientNext(&chain, 0, &Wire::Send, &wire),
                    [&result](Status s) { result = std::move(s); });
  return result;
}

TEST(ClientAttemptTracing, SendsAChildTraceparentAndLeavesTheCallersContextAlone) {
  auto collect = std::make_shared<Collect>();
  ClientAttemptTracing tracing(std::make_shared<Tracer>(AlwaysOnSampler(), collect));
  Context ctx;
  ctx.trace().traceparent = kSampledParent;
  ctx.trace().tracestate = "congo=t61rcWkgMzE";
  Wire wire;
  EXPECT_EQ(RunAttempt(tracing, ctx, wire, 1).code(), StatusCode::kUnavailable);
  EXPECT_EQ(RunAttempt(tracing, ctx, wire, 2).code(), StatusCode::kUnavailable);

  EXPECT_EQ(ctx.trace().traceparent, kSampledParent);  // untouched
  ASSERT_EQ(wire.sent.size(), 2u);
  auto spans = collect->spans();
  ASSERT_EQ(spans.size(), 2u);
  for (int i = 0; i < 2; ++i) {
    auto sent = ParseTraceParent(wire.sent[i].traceparent);
    ASSERT_TRUE(sent.ok());
    EXPECT_EQ(sent->trace_id.Hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
    EXPECT_EQ(sent->span_id, spans[i].context.span_id);  // the callee's parent: this attempt
    EXPECT_TRUE(sent->sampled());
    EXPECT_EQ(wire.sent[i].tracestate, "congo=t61rcWkgMzE");
    EXPECT_EQ(spans[i].parent_span_id.Hex(), "00f067aa0ba902b7");
    EXPECT_EQ(spans[i].kind, SpanKind::kClient);
    EXPECT_EQ(spans[i].name, "inventory.Stock/Reserve");
    EXPECT_EQ(spans[i].status, SpanStatus::kError);
    EXPECT_EQ(spans[i].status_message, "10.0.0.7:9000: refused");
  }
  EXPECT_NE(spans[0].context.span_id, spans[1].context.span_id);
  auto attr = [](const SpanData& s, const std::string& key) -> AttributeValue {
    for (const auto& [k, v] : s.attributes) {
      if (k == key) return v;
    }
    return std::string("<missing>");
  };
  EXPECT_EQ(std::get<int64_t>(attr(spans[1], "micro.attempt")), 2);
  EXPECT_EQ(std::get<std::string>(attr(spans[0], "peer.service")), "inventory");
  EXPECT_EQ(std::get<std::string>(attr(spans[0], "server.address")), "10.0.0.7");
  EXPECT_EQ(std::get<int64_t>(attr(spans[0], "server.port")), 9000);
  EXPECT_EQ(std::get<int64_t>(attr(spans[0], "rpc.grpc.status_code")), 14);
  EXPECT_EQ(std::get<std::string>(attr(spans[0], "rpc.service")), "inventory.Stock");
}

TEST(ClientAttemptTracing, UnsampledTraceIsPassedOnAsIsAndRootCallsCarryTheirDecision) {
  auto collect = std::make_shared<Collect>();
  ClientAttemptTracing tracing(
      std::make_shared<Tracer>(ParentBasedSampler(AlwaysOffSampler()), collect));
  Wire wire;
  Context unsampled;
  unsampled.trace().traceparent = kUnsampledParent;
  RunAttempt(tracing, unsampled, wire, 1);
  Context root;  // no trace yet: the attempt starts one, unsampled, and says so
  RunAttempt(tracing, root, wire, 1);

  EXPECT_TRUE(collect->spans().empty());
  ASSERT_EQ(wire.sent.size(), 2u);
  EXPECT_EQ(wire.sent[0].traceparent, kUnsampledParent);
  auto sent = ParseTraceParent(wire.sent[1].traceparent);
  ASSERT_TRUE(sent.ok()) << wire.sent[1].traceparent;
  EXPECT_FALSE(sent->sampled());
  EXPECT_TRUE(root.trace().traceparent.empty());
}

TEST(ClientAttemptTracing, WithoutAProcessorIdsStillFlow) {
  ClientAttemptTracing tracing(std::make_shared<Tracer>(AlwaysOnSampler(), nullptr));
  Wire wire;
  Context ctx;
  RunAttempt(tracing, ctx, wire, 1);
  ASSERT_EQ(wire.sent.size(), 1u);
  auto sent = ParseTraceParent(wire.sent[0].traceparent);
  ASSERT_TRUE(sent.ok());
  EXPECT_TRUE(sent->sampled());
}

TEST(InjectHeaders, AddsTraceparentAndTracestate) {
  Context ctx;
  micro::http::Headers headers;
  InjectHeaders(ctx, &headers);
  EXPECT_TRUE(headers.empty());
  ctx.trace().traceparent = kSampledParent;
  ctx.trace().tracestate = "rojo=1";
  InjectHeaders(ctx, &headers);
  ASSERT_EQ(headers.size(), 2u);
  EXPECT_EQ(headers[0], (std::pair<std::string, std::string>("traceparent", kSampledParent)));
  EXPECT_EQ(headers[1], (std::pair<std::string, std::string>("tracestate", "rojo=1")));
}

TEST(FromContext, DropsABadTracestateButKeepsTheParent) {
  Context ctx;
  ctx.trace().traceparent = kSampledParent;
  ctx.trace().tracestate = "k=1,k=2";
  SpanContext parent = FromContext(ctx);
  EXPECT_TRUE(parent.valid());
  EXPECT_EQ(parent.trace_state, "");
  ctx.trace().traceparent = "00-nothex";
  EXPECT_FALSE(FromContext(ctx).valid());
}

}  // namespace
}  // namespace micro::trace

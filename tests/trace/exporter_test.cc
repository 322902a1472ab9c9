// The batching exporter: OTLP/HTTP JSON as a real receiver parses it, batching on
// interval and on shutdown, and a full queue that drops instead of blocking.
#include <micro/trace/exporter.h>

#include <gtest/gtest.h>

#include <climits>
#include <condition_variable>
#include <regex>

#include <micro/trace/tracer.h>

#include "support/wait.h"
#include "trace/otlp_receiver.h"

namespace micro::trace {
namespace {

using namespace std::chrono_literals;
using micro::testing::WaitFor;
using testing::OtlpReceiver;

Resource TestResource() {
  return {.service_name = "orders", .service_instance_id = "orders-1", .service_version = "1.2.3"};
}

std::unique_ptr<OtlpHttpExporter> Exporter(const std::string& endpoint) {
  auto e = OtlpHttpExporter::Create(endpoint, TestResource());
  EXPECT_TRUE(e.ok()) << e.status();
  return e.ok() ? std::move(*e) : nullptr;
}

std::string ResourceAttr(const nlohmann::json& body, const std::string& key) {
  for (const auto& a : body["resourceSpans"][0]["resource"]["attributes"]) {
    if (a["key"] == key) return a["value"]["stringValue"];
  }
  return "";
}

TEST(OtlpExporter, SendsTheOtlpJsonShape) {
  OtlpReceiver receiver;
  auto batcher = std::make_shared<BatchSpanProcessor>(Exporter(receiver.endpoint()));
  Tracer tracer(AlwaysOnSampler(), batcher);
  std::string root_id, trace_id;
  {
    Span root = tracer.StartSpan("orders.Orders/Place", SpanKind::kServer, nullptr);
    root_id = root.context().span_id.Hex();
    trace_id = root.context().trace_id.Hex();
    Span child = tracer.StartSpan("inventory.Stock/Reserve", SpanKind::kClient, &root.context());
    child.SetAttribute("rpc.system", "grpc");
    child.SetAttribute("rpc.grpc.status_code", int64_t{14});
    child.SetAttribute("retry", true);
    child.SetAttribute("ratio", 0.25);
    child.AddEvent("message", {{"message.type", std::string("SENT")}});
    child.SetStatus(SpanStatus::kError, "inventory unavailable");
  }
  ASSERT_TRUE(batcher->ForceFlush(5s));
  ASSERT_EQ(receiver.count(), 2u);

  auto bodies = receiver.bodies();
  ASSERT_EQ(bodies.size(), 1u);  // one batch, one request
  const auto& body = bodies[0];
  EXPECT_EQ(ResourceAttr(body, "service.name"), "orders");
  EXPECT_EQ(ResourceAttr(body, "service.instance.id"), "orders-1");
  EXPECT_EQ(ResourceAttr(body, "service.version"), "1.2.3");
  const auto& scope_spans = body["resourceSpans"][0]["scopeSpans"];
  ASSERT_EQ(scope_spans.size(), 1u);
  EXPECT_EQ(scope_spans[0]["scope"]["name"], "micro-cpp");

  const std::regex hex32("[0-9a-f]{32}"), hex16("[0-9a-f]{16}"), digits("[0-9]{19}");
  auto spans = receiver.spans();
  // Children end first.
  const auto& child = spans[0].span;
  const auto& root = spans[1].span;
  for (const auto* s : {&child, &root}) {
    EXPECT_TRUE(std::regex_match((*s)["traceId"].get<std::string>(), hex32)) << *s;
    EXPECT_TRUE(std::regex_match((*s)["spanId"].get<std::string>(), hex16)) << *s;
    ASSERT_TRUE((*s)["startTimeUnixNano"].is_string()) << *s;
    ASSERT_TRUE((*s)["endTimeUnixNano"].is_string()) << *s;
    EXPECT_TRUE(std::regex_match((*s)["startTimeUnixNano"].get<std::string>(), digits));
    EXPECT_LE(std::stoll((*s)["startTimeUnixNano"].get<std::string>()),
              std::stoll((*s)["endTimeUnixNano"].get<std::string>()));
    EXPECT_EQ((*s)["traceId"], trace_id);
  }
  EXPECT_EQ(root["name"], "orders.Orders/Place");
  EXPECT_EQ(root["kind"], 2);  // SPAN_KIND_SERVER
  EXPECT_EQ(root["spanId"], root_id);
  EXPECT_FALSE(root.contains("parentSpanId"));
  EXPECT_EQ(root["status"]["code"], 0);  // unset

  EXPECT_EQ(child["kind"], 3);  // SPAN_KIND_CLIENT
  EXPECT_EQ(child["parentSpanId"], root_id);
  EXPECT_EQ(child["status"]["code"], 2);
  EXPECT_EQ(child["status"]["message"], "inventory unavailable");
  EXPECT_EQ(spans[0].Attr("rpc.system"), "grpc");
  nlohmann::json attrs = child["attributes"];
  EXPECT_EQ(attrs[1]["value"], nlohmann::json({{"intValue", "14"}}));  // int64 as string
  EXPECT_EQ(attrs[2]["value"], nlohmann::json({{"boolValue", true}}));
  EXPECT_EQ(attrs[3]["value"], nlohmann::json({{"doubleValue", 0.25}}));
  ASSERT_EQ(child["events"].size(), 1u);
  EXPECT_EQ(child["events"][0]["name"], "message");
  EXPECT_TRUE(child["events"][0]["timeUnixNano"].is_string());
  batcher->Shutdown();
  EXPECT_EQ(batcher->exported(), 2u);
  EXPECT_EQ(batcher->dropped(), 0u);
}

TEST(OtlpJson, EscapesWhatRequestsPutInNamesAndMessages) {
  SpanData span;
  span.name = "say \"hi\"\n\\ caf\xc3\xa9 \x01";
  span.context.trace_id = NewTraceId();
  span.context.span_id = NewSpanId();
  span.context.trace_state = "congo=t61rcWkgMzE";
  span.status = SpanStatus::kError;
  span.status_message = std::string("bad \xff byte");
  span.attributes = {{"ratio", 0.1}, {"neg", int64_t{-5}}, {"big", int64_t{INT64_MAX}}};
  auto body = nlohmann::json::parse(EncodeOtlpJson(TestResource(), {span}), nullptr, false);
  ASSERT_FALSE(body.is_discarded());
  const auto& s = body["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
  EXPECT_EQ(s["name"], "say \"hi\"\n\\ caf\xc3\xa9 \x01");
  EXPECT_EQ(s["status"]["message"], "bad \xef\xbf\xbd byte");  // U+FFFD for the bad byte
  EXPECT_EQ(s["traceState"], "congo=t61rcWkgMzE");
  EXPECT_EQ(s["attributes"][0]["value"]["doubleValue"], 0.1);
  EXPECT_EQ(s["attributes"][1]["value"]["intValue"], "-5");
  EXPECT_EQ(s["attributes"][2]["value"]["intValue"], "9223372036854775807");

  auto empty = nlohmann::json::parse(EncodeOtlpJson(TestResource(), {}), nullptr, false);
  ASSERT_FALSE(empty.is_discarded());
  EXPECT_TRUE(empty["resourceSpans"][0]["scopeSpans"][0]["spans"].empty());
}

TEST(OtlpExporter, FlushesOnIntervalAndOnShutdown) {
  OtlpReceiver receiver;
  auto batcher = std::make_shared<BatchSpanProcessor>(Exporter(receiver.endpoint()),
                                                      BatchOptions{.interval = 50ms});
  Tracer tracer(AlwaysOnSampler(), batcher);
  tracer.StartSpan("a", SpanKind::kInternal, nullptr).End();
  EXPECT_TRUE(WaitFor([&] { return receiver.count() == 1; }, 5s));

  auto slow = std::make_shared<BatchSpanProcessor>(Exporter(receiver.endpoint()),
                                                   BatchOptions{.interval = 1h});
  Tracer slow_tracer(AlwaysOnSampler(), slow);
  for (int i = 0; i < 3; ++i) slow_tracer.StartSpan("b", SpanKind::kInternal, nullptr).End();
  EXPECT_EQ(receiver.count(), 1u);
  slow->Shutdown();  // what is queued goes out before it returns
  EXPECT_EQ(receiver.count(), 4u);
  slow_tracer.StartSpan("late", SpanKind::kInternal, nullptr).End();
  EXPECT_EQ(slow->dropped(), 1u);
}

TEST(OtlpExporter, EndpointForms) {
  OtlpReceiver receiver;
  auto full = OtlpHttpExporter::Create(receiver.endpoint() + "/v1/traces", TestResource());
  ASSERT_TRUE(full.ok());
  SpanData span;
  span.name = "x";
  span.context.trace_id = NewTraceId();
  span.context.span_id = NewSpanId();
  EXPECT_TRUE((*full)->Export({span}).ok());
  EXPECT_EQ(receiver.count(), 1u);

  for (const char* bad : {"https://collector:4318", "collector:4318", "http://", "grpc://x:1"}) {
    auto e = OtlpHttpExporter::Create(bad, TestResource());
    ASSERT_FALSE(e.ok()) << bad;
    EXPECT_NE(e.status().message().find("trace.endpoint"), std::string::npos);
  }
  // Nobody listening: the export fails, quickly and with the address.
  auto nobody = OtlpHttpExporter::Create("http://127.0.0.1:1", TestResource());
  ASSERT_TRUE(nobody.ok());
  Status s = (*nobody)->Export({span});
  EXPECT_FALSE(s.ok());
}

// An exporter that holds every Export until released: a collector that hangs.
class StuckExporter : public SpanExporter {
 public:
  Status Export(const std::vector<SpanData>& batch) override {
    std::unique_lock lock(mu_);
    ++calls_;
    seen_ += batch.size();
    entered_.notify_all();
    released_cv_.wait(lock, [&] { return released_; });
    return {};
  }
  void Release() {
    std::lock_guard lock(mu_);
    released_ = true;
    released_cv_.notify_all();
  }
  bool WaitEntered() {
    std::unique_lock lock(mu_);
    return entered_.wait_for(lock, 5s, [&] { return calls_ > 0; });
  }
  size_t seen() {
    std::lock_guard lock(mu_);
    return seen_;
  }

 private:
  std::mutex mu_;
  std::condition_variable entered_, released_cv_;
  bool released_ = false;
  int calls_ = 0;
  size_t seen_ = 0;
};

TEST(BatchSpanProcessor, AFullQueueDropsAndCountsWithoutBlocking) {
  auto owned = std::make_unique<StuckExporter>();
  StuckExporter* stuck = owned.get();
  auto batcher = std::make_shared<BatchSpanProcessor>(
      std::move(owned), BatchOptions{.max_queue = 8, .max_batch = 4, .interval = 10ms});
  Tracer tracer(AlwaysOnSampler(), batcher);
  // The first batch goes to the exporter, which hangs.
  tracer.StartSpan("first", SpanKind::kInternal, nullptr).End();
  ASSERT_TRUE(stuck->WaitEntered());

  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 100; ++i) tracer.StartSpan("more", SpanKind::kInternal, nullptr).End();
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, 1s) << "ending spans must never wait for the exporter";
  EXPECT_EQ(batcher->dropped(), 100u - 8u);  // the queue holds 8
  EXPECT_GE(BatchSpanProcessor::DroppedTotal(), 100u - 8u);

  stuck->Release();
  ASSERT_TRUE(batcher->ForceFlush(5s));
  EXPECT_EQ(stuck->seen(), 1u + 8u);
  EXPECT_EQ(batcher->exported(), 9u);
  batcher->Shutdown();
}

TEST(BatchSpanProcessor, ConcurrentEndersLoseNothingBelowTheBound) {
  OtlpReceiver receiver;
  auto batcher = std::make_shared<BatchSpanProcessor>(
      Exporter(receiver.endpoint()), BatchOptions{.max_queue = 10000, .interval = 20ms});
  Tracer tracer(AlwaysOnSampler(), batcher);
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) tracer.StartSpan("x", SpanKind::kInternal, nullptr).End();
    });
  }
  for (auto& t : threads) t.join();
  batcher->Shutdown();
  EXPECT_EQ(receiver.count(), 1000u);
  EXPECT_EQ(batcher->dropped(), 0u);
}

}  // namespace
}  // namespace micro::trace

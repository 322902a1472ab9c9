// The framework's own OTLP/HTTP JSON exporter (micro/trace/exporter.h) sending to the
// platform's receiver: three services A -> B -> C export their spans separately, and the
// platform's store holds one trace with every parent link, the failed call marked, and the
// dependency graph A -> B -> C.
#include <chrono>

#include <gtest/gtest.h>

#include <micro/trace/exporter.h>

#include "platform/platform_server.h"

namespace micro::platform {
namespace {

using namespace std::chrono_literals;

trace::SpanData Data(const trace::TraceId& trace_id, uint8_t id, uint8_t parent,
                     const std::string& name, trace::SpanKind kind, int64_t start, int64_t end,
                     bool error = false) {
  trace::SpanData d;
  d.name = name;
  d.kind = kind;
  d.context.trace_id = trace_id;
  d.context.span_id.bytes[7] = id;
  d.context.flags = trace::kSampledFlag;
  d.parent_span_id.bytes[7] = parent;  // 0: all zero, a root
  d.start_unix_nano = start;
  d.end_unix_nano = end;
  d.attributes = {{"rpc.system", std::string("grpc")}, {"rpc.grpc.status_code", int64_t{0}}};
  if (error) {
    d.status = trace::SpanStatus::kError;
    d.status_message = "payment declined";
    d.attributes[1].second = int64_t{9};
  }
  d.events.push_back({"sent", start + 1000, {{"size", int64_t{42}}}});
  return d;
}

TEST(TraceExporterInterop, AbcChainIsOneTraceWithItsGraph) {
  PlatformServer server({.host = "127.0.0.1", .port = 0});
  ASSERT_TRUE(server.Start().ok());
  std::string endpoint = "http://" + server.address();

  trace::TraceId trace_id;
  for (size_t i = 0; i < trace_id.bytes.size(); ++i) trace_id.bytes[i] = uint8_t(0x10 + i);
  int64_t t0 = std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count() -
               1'000'000'000;
  auto ms = [&](int64_t m) { return t0 + m * 1'000'000; };
  using K = trace::SpanKind;
  std::map<std::string, std::vector<trace::SpanData>> by_service = {
      {"A",
       {Data(trace_id, 1, 0, "GET /", K::kServer, ms(0), ms(50)),
        Data(trace_id, 2, 1, "b.B/Do", K::kClient, ms(1), ms(40))}},
      {"B",
       {Data(trace_id, 3, 2, "b.B/Do", K::kServer, ms(2), ms(39)),
        Data(trace_id, 4, 3, "c.C/Pay", K::kClient, ms(3), ms(30), /*error=*/true)}},
      {"C", {Data(trace_id, 5, 4, "c.C/Pay", K::kServer, ms(4), ms(29), /*error=*/true)}},
  };
  for (const auto& [service, spans] : by_service) {
    auto exporter = trace::OtlpHttpExporter::Create(
        endpoint, {.service_name = service, .service_instance_id = service + "-1"});
    ASSERT_TRUE(exporter.ok()) << exporter.status();
    Status s = (*exporter)->Export(spans);
    ASSERT_TRUE(s.ok()) << service << ": " << s;
  }

  auto spans = server.trace_store().GetTrace(trace_id.Hex());
  ASSERT_TRUE(spans.ok()) << spans.status();
  ASSERT_EQ(spans->size(), 5u);
  std::map<std::string, const traces::Span*> by_id;
  for (const auto& s : *spans) by_id[s.span_id] = &s;
  auto parent_service = [&](const traces::Span& s) -> std::string {
    auto it = by_id.find(s.parent_span_id);
    return it == by_id.end() ? "" : it->second->service;
  };
  int roots = 0;
  for (const auto& s : *spans) {
    if (s.parent_span_id.empty()) {
      ++roots;
      EXPECT_EQ(s.service, "A");
      EXPECT_EQ(s.name, "GET /");
    } else {
      EXPECT_TRUE(by_id.count(s.parent_span_id)) << s.name << " has a dangling parent";
    }
    if (s.service == "C") {
      EXPECT_EQ(parent_service(s), "B");
      EXPECT_EQ(s.kind, traces::kServer);
      EXPECT_TRUE(s.error());
      EXPECT_EQ(s.status_message, "payment declined");
      EXPECT_NE(s.attributes.find(R"("rpc.grpc.status_code":9)"), std::string::npos)
          << s.attributes;
      EXPECT_NE(s.resource.find(R"("service.instance.id":"C-1")"), std::string::npos) << s.resource;
      EXPECT_NE(s.events.find(R"("size":42)"), std::string::npos) << s.events;
    }
  }
  EXPECT_EQ(roots, 1);

  auto graph = server.trace_store().Dependencies(0, 0);
  ASSERT_TRUE(graph.ok());
  ASSERT_EQ(graph->edges.size(), 2u);
  EXPECT_EQ(graph->edges[0].caller, "A");
  EXPECT_EQ(graph->edges[0].callee, "B");
  EXPECT_EQ(graph->edges[0].errors, 0u);
  EXPECT_EQ(graph->edges[1].caller, "B");
  EXPECT_EQ(graph->edges[1].callee, "C");
  EXPECT_EQ(graph->edges[1].errors, 1u);
  EXPECT_EQ(graph->edges[1].p99_ns, 27'000'000u) << "B's client span: 3..30 ms";

  auto failed = server.trace_store().Search({.service = "C", .errors_only = true});
  ASSERT_TRUE(failed.ok());
  ASSERT_EQ(failed->size(), 1u);
  EXPECT_EQ((*failed)[0].trace_id, trace_id.Hex());
  EXPECT_EQ((*failed)[0].root_service, "A");
}

}  // namespace
}  // namespace micro::platform

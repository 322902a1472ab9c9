// Distributed tracing across processes: `micro platform` plus three chain-server processes
// A -> B -> C (chain_server.cc), each exporting its spans over OTLP/HTTP JSON to the
// platform. One call to A must become one trace in the platform's store with every parent
// link across the hops, the dependency graph must have the edges A -> B and B -> C, a failed
// call must mark the spans on its way back as errors, and `micro trace ID` must print the
// chain in tree order.
#include <signal.h>

#include <chrono>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <micro/client/client.h>
#include <micro/core/context.h>
#include <micro/http/http.h>
#include <micro/registry/registry.h>

#include "echo.pb.h"
#include "support/echo_methods.h"
#include "support/process.h"
#include "support/wait.h"

namespace micro::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr int kServer = 2;  // OTLP SpanKind
constexpr int kClient = 3;
constexpr int kError = 2;  // OTLP StatusCode
constexpr char kUnaryName[] = "micro.test.Echo/Unary";

// The span the test's own call stands for: the parent of A's server span.
constexpr char kCallerSpan[] = "00f067aa0ba902b7";
constexpr char kOkTrace[] = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr char kFailTrace[] = "5c0a3f4688c45eb7b4df03ae1f1f5847";

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

class TraceChain : public ::testing::Test {
 protected:
  void SetUp() override {
    port_ = FreePort();
    platform_ = Process::Start({BinDir() + "/micro", "platform", "--port", std::to_string(port_)},
                               dir_ + "/platform.log");
    auto reg = registry::NewRegistry("platform://" + Address());
    ASSERT_TRUE(reg.ok()) << reg.status();
    registry_ = std::shared_ptr<registry::Registry>(std::move(*reg));
    ASSERT_TRUE(WaitFor([&] { return registry_->List().ok(); }, 15s))
        << "platform did not come up:\n"
        << platform_.Log();

    // Started callee first, so each forwarder finds its next service registered.
    StartService("chain-c", "", FailC());
    StartService("chain-b", "chain-c");
    StartService("chain-a", "chain-b");
    for (const char* name : {"chain-a", "chain-b", "chain-c"}) {
      ASSERT_TRUE(WaitFor(
          [&] {
            auto s = registry_->Get(name);
            return s.ok() && s->nodes.size() == 1;
          },
          20s))
          << name << " did not register:\n"
          << Logs();
    }
    client_ = std::make_unique<client::Client>(registry_);
  }

  void TearDown() override {
    client_.reset();
    for (auto& [name, p] : services_) p.Signal(SIGTERM);
    // A clean exit on SIGTERM: graceful shutdown (last export included), and under the
    // sanitizers no report from the service processes.
    for (auto& [name, p] : services_) {
      EXPECT_EQ(p.Wait(15s), std::optional<int>(0)) << name << ":\n" << p.Log();
    }
    platform_.Signal(SIGTERM);
    platform_.Wait(10s);
    RunCommand("rm -rf " + dir_);
  }

  // The failing-chain tests start C with --chain.fail=1.
  virtual bool FailC() const { return false; }

  void StartService(const std::string& name, const std::string& next, bool fail = false) {
    std::vector<std::string> argv = {
        BinDir() + "/chain-server",  "--name=" + name,
        "--id=" + name + "-1",       "--registry=platform://" + Address(),
        "--trace.sampler=always_on", "--trace.endpoint=http://" + Address()};
    if (!next.empty()) argv.push_back("--chain.next=" + next);
    if (fail) argv.push_back("--chain.fail=1");
    services_[name] = Process::Start(argv, dir_ + "/" + name + ".log");
  }

  std::string Address() const { return "127.0.0.1:" + std::to_string(port_); }

  std::string Logs() const {
    std::string out = "--- platform:\n" + platform_.Log();
    for (const auto& [name, p] : services_) out += "--- " + name + ":\n" + p.Log();
    return out;
  }

  // Calls A's Echo/Unary as a traced caller would: with a sampled traceparent whose span is
  // kCallerSpan.
  Status CallA(const std::string& trace_id, std::string* answer) {
    auto ctx = Context::WithTimeout(10s);
    ctx.trace().traceparent = std::string("00-") + trace_id + "-" + kCallerSpan + "-01";
    micro::test::EchoRequest request;
    request.set_message("hello");
    micro::test::EchoResponse response;
    Status s = client_->Call(ctx, "chain-a", kEchoUnary, request, &response);
    *answer = response.message();
    return s;
  }

  // GET on the platform's API; null when it did not answer 200 with JSON.
  json Get(const std::string& path) {
    auto r = http_.Get(Address(), path, 2s);
    if (!r.ok() || r->status != 200) return nullptr;
    return json::parse(r->body, nullptr, /*allow_exceptions=*/false);
  }

  // Polls the store until the trace has `count` spans (the exporters send every second).
  json WaitForTrace(const std::string& trace_id, size_t count) {
    json trace;
    bool complete = WaitFor(
        [&] {
          trace = Get("/v1/traces/" + trace_id);
          return trace.is_object() && trace["spans"].is_array() && trace["spans"].size() >= count;
        },
        20s);
    EXPECT_TRUE(complete) << "trace " << trace_id << " has "
                          << (trace.is_object() ? trace.dump(2) : "no spans") << "\n"
                          << Logs();
    return trace;
  }

  // Runs `micro ARGS` (stderr merged) and returns its exit code.
  int Micro(const std::string& args, std::string* out) {
    out->clear();
    return RunCommand(BinDir() + "/micro " + args + " 2>&1", out);
  }

  std::string dir_ = TempDir();
  uint16_t port_ = 0;
  Process platform_;
  std::map<std::string, Process> services_;
  std::shared_ptr<registry::Registry> registry_;
  std::unique_ptr<client::Client> client_;
  http::HttpClient http_;
};

// The five spans of one call through A -> B -> C, found by (service, kind).
struct Chain {
  std::map<std::pair<std::string, int>, json> spans;
  const json& at(const std::string& service, int kind) const { return spans.at({service, kind}); }
};

Chain ChainOf(const json& trace) {
  Chain c;
  for (const auto& span : trace["spans"]) {
    auto key = std::make_pair(span["service"].get<std::string>(), span["kind"].get<int>());
    EXPECT_EQ(c.spans.count(key), 0u)
        << "two spans of " << key.first << " kind " << key.second << ":\n"
        << trace.dump(2);
    c.spans[key] = span;
  }
  return c;
}

// Every hop's parent link: A server <- caller, A client <- A server, B server <- A client,
// B client <- B server, C server <- B client.
void ExpectLinks(const json& trace, const std::string& trace_id) {
  ASSERT_EQ(trace["spans"].size(), 5u) << trace.dump(2);
  Chain c = ChainOf(trace);
  ASSERT_EQ(c.spans.size(), 5u) << trace.dump(2);
  for (const auto& [key, span] : c.spans) {
    EXPECT_EQ(span["trace_id"], trace_id) << span.dump(2);
    EXPECT_EQ(span["name"], kUnaryName) << span.dump(2);
    EXPECT_EQ(span["resource"]["service.name"], key.first) << span.dump(2);
  }
  auto id = [&](const std::string& service, int kind) {
    return c.at(service, kind)["span_id"].get<std::string>();
  };
  auto parent = [&](const std::string& service, int kind) {
    return c.at(service, kind)["parent_span_id"].get<std::string>();
  };
  EXPECT_EQ(parent("chain-a", kServer), kCallerSpan);
  EXPECT_EQ(parent("chain-a", kClient), id("chain-a", kServer));
  EXPECT_EQ(parent("chain-b", kServer), id("chain-a", kClient));
  EXPECT_EQ(parent("chain-b", kClient), id("chain-b", kServer));
  EXPECT_EQ(parent("chain-c", kServer), id("chain-b", kClient));
  // The client spans name the service they called.
  EXPECT_EQ(c.at("chain-a", kClient)["attributes"]["peer.service"], "chain-b");
  EXPECT_EQ(c.at("chain-b", kClient)["attributes"]["peer.service"], "chain-c");
  EXPECT_EQ(c.at("chain-c", kServer)["attributes"]["rpc.system"], "grpc");
}

TEST_F(TraceChain, OneCallIsOneTraceAcrossThreeProcesses) {
  std::string answer;
  Status s = CallA(kOkTrace, &answer);
  ASSERT_TRUE(s.ok()) << s << "\n" << Logs();
  EXPECT_EQ(answer, "chain-a>chain-b>chain-c");

  json trace = WaitForTrace(kOkTrace, 5);
  ASSERT_TRUE(trace.is_object());
  EXPECT_EQ(trace["trace_id"], kOkTrace);
  ASSERT_NO_FATAL_FAILURE(ExpectLinks(trace, kOkTrace));
  Chain c = ChainOf(trace);
  for (const auto& [key, span] : c.spans) {
    EXPECT_NE(span["status"]["code"], kError) << span.dump(2);
  }

  // Searching by the last hop finds this one trace, rooted at A.
  json found = Get("/v1/traces?service=chain-c");
  ASSERT_TRUE(found.is_object()) << found;
  ASSERT_EQ(found["traces"].size(), 1u) << found.dump(2);
  EXPECT_EQ(found["traces"][0]["trace_id"], kOkTrace);
  EXPECT_EQ(found["traces"][0]["root_service"], "chain-a");
  EXPECT_EQ(found["traces"][0]["span_count"], 5);
  EXPECT_EQ(found["traces"][0]["error_count"], 0);

  // The dependency graph: A -> B and B -> C, once each, without errors.
  json graph = Get("/v1/traces/dependencies");
  ASSERT_TRUE(graph.is_object()) << graph;
  std::map<std::pair<std::string, std::string>, json> edges;
  for (const auto& e : graph["edges"]) edges[{e["caller"], e["callee"]}] = e;
  ASSERT_EQ(edges.size(), 2u) << graph.dump(2);
  ASSERT_TRUE(edges.count({"chain-a", "chain-b"})) << graph.dump(2);
  ASSERT_TRUE(edges.count({"chain-b", "chain-c"})) << graph.dump(2);
  for (const auto& [key, e] : edges) {
    EXPECT_GE(e["calls"].get<int>(), 1) << e.dump();
    EXPECT_EQ(e["errors"], 0) << e.dump();
  }

  // `micro trace ID`: the chain as a waterfall, one level deeper per hop.
  std::string out;
  ASSERT_EQ(Micro(std::string("trace ") + kOkTrace + " --platform " + Address(), &out), 0) << out;
  auto lines = Lines(out);
  ASSERT_GE(lines.size(), 9u) << out;
  EXPECT_NE(lines[0].find("5 spans"), std::string::npos) << out;
  EXPECT_NE(lines[0].find("3 services"), std::string::npos) << out;
  EXPECT_NE(lines[0].find("no errors"), std::string::npos) << out;
  const std::vector<std::string> tree = {
      "chain-a micro.test.Echo/Unary", "  chain-a micro.test.Echo/Unary",
      "    chain-b micro.test.Echo/Unary", "      chain-b micro.test.Echo/Unary",
      "        chain-c micro.test.Echo/Unary"};
  for (size_t i = 0; i < tree.size(); ++i) {
    EXPECT_EQ(lines[4 + i].rfind(tree[i], 0), 0u) << "line " << 4 + i << ":\n" << out;
  }
}

class FailingTraceChain : public TraceChain {
 protected:
  bool FailC() const override { return true; }
};

TEST_F(FailingTraceChain, AFailedCallMarksTheSpansOnItsWayBackAsErrors) {
  // C fails the call (INTERNAL); B and A pass the failure back.
  std::string answer;
  Status s = CallA(kFailTrace, &answer);
  ASSERT_EQ(s.code(), StatusCode::kInternal) << s << "\n" << Logs();
  EXPECT_EQ(s.message(), "chain-c: chain.fail");

  json trace = WaitForTrace(kFailTrace, 5);
  ASSERT_TRUE(trace.is_object());
  ASSERT_NO_FATAL_FAILURE(ExpectLinks(trace, kFailTrace));
  Chain c = ChainOf(trace);
  for (const auto& [key, span] : c.spans) {
    EXPECT_EQ(span["status"]["code"], kError) << span.dump(2);
    EXPECT_EQ(span["attributes"]["rpc.grpc.status_code"], 13) << span.dump(2);
  }
  EXPECT_EQ(c.at("chain-c", kServer)["status"]["message"], "chain-c: chain.fail");

  // Searching for failed spans of C finds it.
  json failed = Get("/v1/traces?service=chain-c&error=true");
  ASSERT_TRUE(failed.is_object()) << failed;
  ASSERT_EQ(failed["traces"].size(), 1u) << failed.dump(2);
  EXPECT_EQ(failed["traces"][0]["trace_id"], kFailTrace);
  EXPECT_EQ(failed["traces"][0]["error_count"], 5);

  // The graph counts the failed calls on both edges.
  json graph = Get("/v1/traces/dependencies");
  ASSERT_TRUE(graph.is_object()) << graph;
  int edges = 0;
  for (const auto& e : graph["edges"]) {
    ++edges;
    EXPECT_GE(e["errors"].get<int>(), 1) << e.dump();
    EXPECT_GT(e["error_rate"].get<double>(), 0.0) << e.dump();
  }
  EXPECT_EQ(edges, 2) << graph.dump(2);

  std::string out;
  ASSERT_EQ(Micro(std::string("trace ") + kFailTrace + " --platform " + Address(), &out), 0) << out;
  auto lines = Lines(out);
  ASSERT_GE(lines.size(), 9u) << out;
  EXPECT_NE(lines[0].find("5 errors"), std::string::npos) << out;
  EXPECT_EQ(lines[8].rfind("        chain-c micro.test.Echo/Unary", 0), 0u) << out;
  EXPECT_NE(lines[8].find("error: chain-c: chain.fail"), std::string::npos) << out;
}

}  // namespace
}  // namespace micro::testing

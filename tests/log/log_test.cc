// micro::log: what a line holds, when it is written, and who it is about.
#include <micro/log/log.h>

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <thread>

#include <spdlog/spdlog.h>

#include "capture_sink.h"
#include "support/process.h"

namespace micro::log {
namespace {

using namespace std::chrono_literals;
using testing::Capture;

constexpr char kTraceparent[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

struct Money {
  int64_t cents;
  std::string ToString() const {
    return std::to_string(cents / 100) + "." + std::to_string(cents % 100) + " EUR";
  }
};

struct Point {
  int x, y;
  friend std::ostream& operator<<(std::ostream& os, const Point& p) {
    return os << "(" << p.x << "," << p.y << ")";
  }
};

TEST(Log, JsonLineHasTheRequiredFieldsAndTypedValues) {
  auto sink = Capture();
  std::string id = "o-42";
  MICRO_LOG_INFO({}, "order placed", {"order_id", id}, {"amount", 3}, {"big", uint64_t{1} << 63},
                 {"ratio", 0.25}, {"paid", true}, {"note", nullptr}, {"took", 1500us},
                 {"status", Status::NotFound("no such order")}, {"price", Money{1250}},
                 {"at", Point{1, 2}}, {"text", "plain"});
  auto lines = sink->Json();
  ASSERT_EQ(lines.size(), 1u);
  const auto& j = lines[0];
  EXPECT_TRUE(std::regex_match(j["ts"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")))
      << j["ts"];
  EXPECT_EQ(j["level"], "info");
  EXPECT_EQ(j["service"], "test-svc");
  EXPECT_EQ(j["instance"], "test-1");
  EXPECT_EQ(j["msg"], "order placed");
  EXPECT_EQ(j["order_id"], "o-42");
  EXPECT_EQ(j["amount"], 3);
  EXPECT_EQ(j["big"].get<uint64_t>(), uint64_t{1} << 63);
  EXPECT_EQ(j["ratio"], 0.25);
  EXPECT_EQ(j["paid"], true);
  EXPECT_TRUE(j["note"].is_null());
  EXPECT_EQ(j["took"], "1.5ms");
  EXPECT_EQ(j["status"], "NOT_FOUND: no such order");
  EXPECT_EQ(j["price"], "12.50 EUR");
  EXPECT_EQ(j["at"], "(1,2)");
  EXPECT_EQ(j["text"], "plain");
  // Without a call there are no trace ids.
  EXPECT_FALSE(j.contains("trace_id"));
  EXPECT_FALSE(j.contains("span_id"));
  // Keys keep the order they were given in, after the fixed ones.
  std::string raw = sink->Lines()[0];
  EXPECT_LT(raw.find("\"ts\""), raw.find("\"level\""));
  EXPECT_LT(raw.find("\"msg\""), raw.find("\"order_id\""));
  EXPECT_LT(raw.find("\"order_id\""), raw.find("\"amount\""));
}

TEST(Log, NonFiniteNumbersAndReservedKeysStayValidJson) {
  auto sink = Capture();
  MICRO_LOG_INFO({}, "m", {"nan", std::nan("")}, {"inf", 1.0 / 0.0}, {"msg", "user msg"},
                 {"level", 7});
  auto j = sink->Json().at(0);
  EXPECT_EQ(j["nan"], "NaN");
  EXPECT_EQ(j["inf"], "+Inf");
  EXPECT_EQ(j["msg"], "m");
  EXPECT_EQ(j["_msg"], "user msg");
  EXPECT_EQ(j["level"], "info");
  EXPECT_EQ(j["_level"], 7);
}

TEST(Log, DoublesReadBackExactly) {
  auto sink = Capture();
  const double values[] = {0.1,        0.412,
                           -2.5,       1e-4,
                           123456.789, 1e15,
                           3.0,        0.1 + 0.2,
                           -0.0,       0.12300000000000001,
                           5e-324,     1.7976931348623157e308};
  for (double v : values) MICRO_LOG_INFO({}, "d", {"v", v});
  auto j = sink->Json();
  ASSERT_EQ(j.size(), std::size(values));
  for (size_t i = 0; i < j.size(); ++i) EXPECT_EQ(j[i]["v"].get<double>(), values[i]) << i;
  EXPECT_EQ(sink->Lines()[0].substr(sink->Lines()[0].rfind(':')), ":0.1}");
}

TEST(Log, DurationsReadAsAPersonWouldWriteThem) {
  auto sink = Capture();
  MICRO_LOG_INFO({}, "d", {"ns", 850ns}, {"us", 12500ns}, {"ms", 2ms}, {"s", 90250ms},
                 {"min", std::chrono::minutes(2)});
  auto j = sink->Json().at(0);
  EXPECT_EQ(j["ns"], "850ns");
  EXPECT_EQ(j["us"], "12.5us");
  EXPECT_EQ(j["ms"], "2ms");
  EXPECT_EQ(j["s"], "90.25s");
  EXPECT_EQ(j["min"], "120s");
}

TEST(Log, ADisabledLevelEvaluatesAndFormatsNothing) {
  auto sink = Capture(Level::kWarn);
  int evaluated = 0;
  auto expensive = [&] {
    ++evaluated;
    return std::string("x");
  };
  MICRO_LOG_INFO({}, "hidden", {"v", expensive()});
  MICRO_LOG_DEBUG({}, "hidden", {"v", expensive()});
  EXPECT_EQ(evaluated, 0);
  EXPECT_FALSE(Enabled(Level::kInfo));
  EXPECT_TRUE(Enabled(Level::kWarn));
  MICRO_LOG_WARN({}, "shown", {"v", expensive()});
  EXPECT_EQ(evaluated, 1);
  EXPECT_EQ(sink->size(), 1u);
  // "off" writes nothing at all.
  SetLevel(Level::kOff);
  MICRO_LOG_CRITICAL({}, "hidden");
  EXPECT_EQ(sink->size(), 1u);
}

TEST(Log, LevelAndFormatChangeWhileRunning) {
  auto sink = Capture(Level::kInfo, Format::kJson);
  MICRO_LOG_DEBUG({}, "one");
  SetLevel(Level::kDebug);
  EXPECT_EQ(CurrentLevel(), Level::kDebug);
  MICRO_LOG_DEBUG({}, "two");
  SetFormat(Format::kConsole);
  EXPECT_EQ(CurrentFormat(), Format::kConsole);
  MICRO_LOG_INFO({}, "three", {"k", "v"});
  auto lines = sink->Lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(lines[0])["msg"], "two");
  EXPECT_TRUE(std::regex_match(
      lines[1],
      std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO  \[test-svc\] three k=v)")))
      << lines[1];
}

TEST(Log, ConsoleLinesQuoteWhatWouldBeAmbiguousAndStayOneLine) {
  auto sink = Capture(Level::kTrace, Format::kConsole);
  Context ctx;
  ctx.trace().traceparent = kTraceparent;
  MICRO_LOG_WARN(ctx, "two\nlines", {"user", "ann lee"}, {"q", "a=b"}, {"empty", ""}, {"n", 5},
                 {"password", "hunter2"});
  auto lines = sink->Lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].substr(24),
            " WARN  [test-svc] two\\nlines user=\"ann lee\" q=\"a=b\" empty=\"\" n=5 "
            "password=[REDACTED] trace_id=4bf92f3577b34da6a3ce929d0e0e4736 "
            "span_id=00f067aa0ba902b7");
}

TEST(Log, ALineAboutACallCarriesItsTraceIds) {
  auto sink = Capture();
  Context ctx;
  ctx.trace().traceparent = kTraceparent;
  MICRO_LOG_INFO(ctx, "with context");
  MICRO_LOG_INFO(&ctx, "with a pointer");
  {
    // What the access-log interceptor does around every handled call.
    ScopedCall scope(ctx, "scoped-svc", "scoped-1");
    MICRO_LOG_INFO({}, "inside the call");
    std::thread([&] { MICRO_LOG_INFO({}, "another thread is not in the call"); }).join();
    Context other;
    other.trace().traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    MICRO_LOG_INFO(other, "an explicit context wins");
  }
  MICRO_LOG_INFO({}, "after the call");
  auto j = sink->Json();
  ASSERT_EQ(j.size(), 6u);
  for (int i : {0, 1, 2}) {
    EXPECT_EQ(j[i]["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736") << j[i];
    EXPECT_EQ(j[i]["span_id"], "00f067aa0ba902b7") << j[i];
  }
  EXPECT_EQ(j[0]["service"], "test-svc");
  EXPECT_EQ(j[2]["service"], "scoped-svc");
  EXPECT_EQ(j[2]["instance"], "scoped-1");
  EXPECT_FALSE(j[3].contains("trace_id")) << j[3];
  EXPECT_EQ(j[3]["service"], "test-svc");
  EXPECT_EQ(j[4]["trace_id"], "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(j[4]["span_id"], "b7ad6b7169203331");
  EXPECT_FALSE(j[5].contains("trace_id"));
}

TEST(Log, AMalformedTraceparentIsNotWritten) {
  auto sink = Capture();
  for (const char* bad : {"", "garbage", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
                          "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
                          "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                          "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                          "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\"}"}) {
    Context ctx;
    ctx.trace().traceparent = bad;
    MICRO_LOG_INFO(ctx, "m");
  }
  for (const auto& j : sink->Json()) EXPECT_FALSE(j.contains("trace_id")) << j;
  // A later version may append fields; the ids are still read.
  Context ctx;
  ctx.trace().traceparent = std::string(kTraceparent) + "-future";
  MICRO_LOG_INFO(ctx, "m");
  EXPECT_EQ(sink->Json().back()["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
}

TEST(Log, SpdlogLinesComeOutInTheSameFormat) {
  auto sink = Capture();
  spdlog::info("legacy {} line", 42);
  spdlog::debug("below the level");
  spdlog::warn("config: bad value enc(AAAAsecretBBBB) for db.password");
  Context ctx;
  ctx.trace().traceparent = kTraceparent;
  {
    ScopedCall scope(ctx);
    spdlog::error("inside a call");
  }
  auto j = sink->Json();
  ASSERT_EQ(j.size(), 3u);
  EXPECT_EQ(j[0]["msg"], "legacy 42 line");
  EXPECT_EQ(j[0]["level"], "info");
  EXPECT_EQ(j[0]["service"], "test-svc");
  EXPECT_EQ(j[1]["level"], "warn");
  EXPECT_EQ(j[1]["msg"], "config: bad value [REDACTED] for db.password");
  EXPECT_EQ(j[2]["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
  SetLevel(Level::kDebug);
  spdlog::debug("now shown");
  EXPECT_EQ(sink->Json().back()["msg"], "now shown");
}

TEST(Log, AsyncOutputWritesEveryLineInOrderByFlush) {
  auto sink = Capture(Level::kInfo, Format::kJson, /*async=*/true);
  for (int i = 0; i < 500; ++i) MICRO_LOG_INFO({}, "line", {"i", i});
  Flush();
  auto j = sink->Json();
  ASSERT_EQ(j.size(), 500u);
  for (int i = 0; i < 500; ++i) EXPECT_EQ(j[i]["i"], i);
  EXPECT_EQ(DroppedLines(), 0u);
}

TEST(Log, LaterConfigureWithoutSinksKeepsInstalledSinks) {
  auto sink = Capture();
  // What micro::Service does at Start.
  ASSERT_TRUE(Configure({.service = "svc", .instance = "svc-1", .level = Level::kInfo}).ok());
  MICRO_LOG_INFO({}, "still captured");
  ASSERT_EQ(sink->size(), 1u);
  EXPECT_EQ(sink->Json()[0]["service"], "svc");
  SetIdentity("renamed", "r-1");
  MICRO_LOG_INFO({}, "x");
  EXPECT_EQ(sink->Json()[1]["service"], "renamed");
}

TEST(Log, WritesToAFileAndNamesOneThatCannotBeOpened) {
  auto sink = Capture();
  std::string dir = micro::testing::TempDir();
  std::ofstream(dir + "/not-a-dir") << "x";
  std::string bad = dir + "/not-a-dir/y.log";
  Status s = Configure({.output = bad, .keep_installed_sinks = false});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find(bad), std::string::npos) << s;
  MICRO_LOG_INFO({}, "the failed Configure changed nothing");
  EXPECT_EQ(sink->size(), 1u);

  std::string path = dir + "/app.log";
  ASSERT_TRUE(Configure({.service = "file-svc",
                         .format = Format::kAuto,  // a file is no terminal: JSON
                         .output = path,
                         .keep_installed_sinks = false})
                  .ok());
  MICRO_LOG_INFO({}, "to the file", {"n", 1});
  Flush();
  std::ifstream in(path);
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["msg"], "to the file");
  EXPECT_EQ(j["service"], "file-svc");
  EXPECT_EQ(sink->size(), 1u);
}

TEST(Log, ParsesLevelsAndFormats) {
  EXPECT_EQ(*ParseLevel("DEBUG"), Level::kDebug);
  EXPECT_EQ(*ParseLevel("warning"), Level::kWarn);
  EXPECT_EQ(*ParseLevel("off"), Level::kOff);
  EXPECT_FALSE(ParseLevel("loud").ok());
  EXPECT_EQ(*ParseFormat("console"), Format::kConsole);
  EXPECT_EQ(*ParseFormat("json"), Format::kJson);
  EXPECT_FALSE(ParseFormat("xml").ok());
}

// Two threads log while a third changes the level and the format: every line is whole and
// parses (TSan checks the rest).
TEST(Log, ConcurrentLoggingAndChangesKeepLinesWhole) {
  for (bool async : {false, true}) {
    auto sink = Capture(Level::kInfo, Format::kJson, async);
    std::atomic<bool> stop{false};
    std::thread changer([&] {
      while (!stop) {
        SetLevel(Level::kDebug);
        SetLevel(Level::kInfo);
        SetIdentity("a", "a-1");
        std::this_thread::yield();
      }
    });
    auto writer = [&](int who) {
      Context ctx;
      ctx.trace().traceparent = kTraceparent;
      ScopedCall scope(ctx);
      for (int i = 0; i < 2000; ++i) {
        MICRO_LOG_WARN({}, "work", {"who", who}, {"i", i}, {"token", "t"});
      }
    };
    std::thread a(writer, 1), b(writer, 2);
    a.join();
    b.join();
    stop = true;
    changer.join();
    Flush();
    auto j = sink->Json();
    ASSERT_EQ(j.size(), 4000u) << "async=" << async;
    for (const auto& line : j) {
      ASSERT_EQ(line["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
      ASSERT_EQ(line["token"], "[REDACTED]");
    }
  }
}

}  // namespace
}  // namespace micro::log

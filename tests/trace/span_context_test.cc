// W3C Trace Context parsing and formatting, table-driven from the spec's rules.
#include <micro/trace/span_context.h>

#include <gtest/gtest.h>

namespace micro::trace {
namespace {

constexpr char kTraceId[] = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr char kSpanId[] = "00f067aa0ba902b7";

struct ParentCase {
  const char* header;
  bool ok;
  bool sampled = false;
};

TEST(TraceParent, ParsesWhatTheSpecAllowsAndRejectsTheRest) {
  const ParentCase cases[] = {
      {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", true, true},
      {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", true, false},
      // Unknown flags of version 00 are kept; only bit 0 means sampled.
      {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09", true, true},
      // Upper-case hex is not HEXDIGLC.
      {"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", false},
      {"00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01", false},
      // All-zero ids.
      {"00-00000000000000000000000000000000-00f067aa0ba902b7-01", false},
      {"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", false},
      // Wrong lengths and separators.
      {"00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01", false},
      {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-01", false},
      {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1", false},
      {"00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01", false},
      {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-", false},
      {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 ", false},
      {" 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", false},
      {"", false},
      {"00", false},
      // Bad hex anywhere.
      {"00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01", false},
      {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g", false},
      {"0x-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", false},
      // Version ff is invalid forever.
      {"ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", false},
      // A later version: read the known fields; more fields follow a '-'.
      {"01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", true, true},
      {"cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-holds", true, true},
      {"cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01.what", false},
      {"cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0", false},
  };
  for (const auto& c : cases) {
    auto parsed = ParseTraceParent(c.header);
    EXPECT_EQ(parsed.ok(), c.ok) << "\"" << c.header << "\": " << parsed.status();
    if (parsed.ok() && c.ok) {
      EXPECT_EQ(parsed->sampled(), c.sampled) << c.header;
      EXPECT_EQ(parsed->trace_id.Hex(), kTraceId);
      EXPECT_EQ(parsed->span_id.Hex(), kSpanId);
    }
  }
}

TEST(TraceParent, FormatsVersion00AndRoundTrips) {
  const char* header = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  auto parsed = ParseTraceParent(header);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(FormatTraceParent(*parsed), header);

  // A later version is answered in the version this code speaks, with only known flags.
  auto later = ParseTraceParent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-ff-extra");
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(FormatTraceParent(*later), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");

  SpanContext ctx;
  ASSERT_TRUE(TraceIdFromHex("0af7651916cd43dd8448eb211c80319c", &ctx.trace_id));
  ASSERT_TRUE(SpanIdFromHex("b7ad6b7169203331", &ctx.span_id));
  EXPECT_EQ(FormatTraceParent(ctx), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00");
  EXPECT_FALSE(TraceIdFromHex("0AF7651916CD43DD8448EB211C80319C", &ctx.trace_id));
  EXPECT_FALSE(SpanIdFromHex("b7ad6b716920333", &ctx.span_id));
}

struct StateCase {
  std::string header;
  bool ok;
  std::string canonical;  // ToString() of the parsed list
};

TEST(TraceState, ParsesListMembersByTheGrammar) {
  std::string thirty_two, thirty_three;
  for (int i = 0; i < 33; ++i) {
    std::string m = "k" + std::to_string(i) + "=v";
    if (i < 32) thirty_two += (i ? "," : "") + m;
    thirty_three += (i ? "," : "") + m;
  }
  const StateCase cases[] = {
      {"", true, ""},
      {"congo=t61rcWkgMzE", true, "congo=t61rcWkgMzE"},
      {"rojo=00f067aa0ba902b7,congo=t61rcWkgMzE", true, "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"},
      // Optional whitespace around members and empty members are allowed.
      {" rojo=1 ,\tcongo=2 , ,", true, "rojo=1,congo=2"},
      // Multi-tenant keys; keys may use _ - * /.
      {"fw529a3039@dt=abc,a_b-c*d/e=1", true, "fw529a3039@dt=abc,a_b-c*d/e=1"},
      {"0tenant@sys=1", true, "0tenant@sys=1"},
      // Values may contain spaces inside, not at the end; no ',' or '='.
      {"k=a b", true, "k=a b"},
      {"k=a=b", false, ""},
      {"k=", false, ""},
      {"k", false, ""},
      {"=v", false, ""},
      {"Upper=1", false, ""},
      {"1simple=1", false, ""},
      {"t@Sys=1", false, ""},
      {"t@sys1234567890123=1", false, ""},  // system-id longer than 14
      {"k=\x7f", false, ""},
      {"k=1,k=2", false, ""},  // duplicate keys
      {thirty_two, true, thirty_two},
      {thirty_three, false, ""},
      {"k=" + std::string(256, 'v'), true, "k=" + std::string(256, 'v')},
      {"k=" + std::string(257, 'v'), false, ""},
      {std::string(256, 'k') + "=1", true, std::string(256, 'k') + "=1"},
      {std::string(257, 'k') + "=1", false, ""},
  };
  for (const auto& c : cases) {
    auto parsed = TraceState::Parse(c.header);
    EXPECT_EQ(parsed.ok(), c.ok) << "\"" << c.header << "\": " << parsed.status();
    if (parsed.ok() && c.ok) {
      EXPECT_EQ(parsed->ToString(), c.canonical);
    }
  }
}

TEST(TraceState, SetMovesTheEntryToTheFrontAndKeepsAtMost32) {
  auto state = TraceState::Parse("rojo=1,congo=2");
  ASSERT_TRUE(state.ok());
  ASSERT_TRUE(state->Set("congo", "3").ok());
  EXPECT_EQ(state->ToString(), "congo=3,rojo=1");
  EXPECT_EQ(state->Get("rojo"), "1");
  EXPECT_EQ(state->Get("nobody"), "");
  EXPECT_FALSE(state->Set("Bad", "1").ok());
  EXPECT_FALSE(state->Set("ok", "a,b").ok());
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(state->Set("k" + std::to_string(i), "v").ok());
  EXPECT_EQ(state->members().size(), TraceState::kMaxMembers);
  EXPECT_EQ(state->members().front().first, "k39");
  state->Remove("k39");
  EXPECT_EQ(state->members().front().first, "k38");
}

}  // namespace
}  // namespace micro::trace

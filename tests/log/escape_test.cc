// Any bytes in a message, key or value still make a line of valid JSON (and a console line
// stays one line).
#include <gtest/gtest.h>

#include <random>

#include <micro/log/log.h>

#include "capture_sink.h"
#include "log/text.h"

namespace micro::log {
namespace {

using testing::Capture;

std::string Escaped(std::string_view s) {
  std::string out;
  internal::AppendEscaped(out, s, internal::Escape::kJson);
  return out;
}

TEST(Escape, ValidUtf8AndSpecialsRoundTrip) {
  auto sink = Capture();
  std::string text = "quote\" backslash\\ newline\n tab\t cr\r nul" + std::string(1, '\0') +
                     " bell\x07 del\x7f é 日本 🎉 \u2028";
  MICRO_LOG_INFO({}, text, {text, text});
  auto j = sink->Json().at(0);
  EXPECT_EQ(j["msg"], text);
  EXPECT_EQ(j[text], text);
}

TEST(Escape, InvalidUtf8BecomesReadableHexAndValidJson) {
  EXPECT_EQ(Escaped("a\xff"
                    "b"),
            "a\\\\xffb");
  EXPECT_EQ(Escaped("\xc3"), "\\\\xc3");                                   // truncated
  EXPECT_EQ(Escaped("\xc0\xaf"), "\\\\xc0\\\\xaf");                        // overlong '/'
  EXPECT_EQ(Escaped("\xed\xa0\x80"), "\\\\xed\\\\xa0\\\\x80");             // a surrogate
  EXPECT_EQ(Escaped("\xf4\x90\x80\x80"), "\\\\xf4\\\\x90\\\\x80\\\\x80");  // > U+10FFFF
  EXPECT_EQ(Escaped("\xe6\x97\xa5"), "\xe6\x97\xa5");                      // 日 stays
  auto sink = Capture();
  MICRO_LOG_INFO({}, "bad \xff\xfe bytes");
  EXPECT_EQ(sink->Json().at(0)["msg"], "bad \\xff\\xfe bytes");
}

TEST(Escape, RandomBytesAlwaysMakeValidJsonAndOneConsoleLine) {
  std::mt19937 rng(20261123);
  for (Format format : {Format::kJson, Format::kConsole}) {
    auto sink = Capture(Level::kInfo, format);
    for (int i = 0; i < 2000; ++i) {
      std::string s(rng() % 40, '\0');
      for (char& c : s) {
        // Bias towards the interesting bytes: controls, quotes, UTF-8 lead/continuation.
        static constexpr unsigned char kPicks[] = {0x00, 0x0a, 0x1f, '"',  '\\', 0x7f, 0x80,
                                                   0xbf, 0xc2, 0xe0, 0xed, 0xf0, 0xf4, 0xff};
        c = static_cast<char>(rng() % 3 ? kPicks[rng() % sizeof kPicks] : rng() % 256);
      }
      MICRO_LOG_INFO({}, s, {s, s});
    }
    if (format == Format::kJson) {
      EXPECT_EQ(sink->Json().size(), 2000u);  // each parses (nlohmann checks UTF-8 too)
    } else {
      EXPECT_EQ(sink->Lines().size(), 2000u);  // CaptureSink fails on an embedded newline
    }
  }
}

}  // namespace
}  // namespace micro::log

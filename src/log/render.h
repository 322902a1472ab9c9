// Renders one log record as a JSON line or a console line (without the newline).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include <micro/log/log.h>

namespace micro::log::internal {

struct Record {
  Level level = Level::kInfo;
  std::chrono::system_clock::time_point time;
  std::string_view service;
  std::string_view instance;
  std::string_view trace_id;  // 32 lower-case hex digits, or empty
  std::string_view span_id;   // 16 lower-case hex digits, or empty
  std::string_view msg;
  const Field* fields = nullptr;
  size_t field_count = 0;
};

// {"ts":"2026-11-23T16:52:50.123Z","level":"info","service":...,"msg":...,"k":v,...}
void RenderJson(const Record& record, std::string& out);
// 2026-11-23T16:52:50.123Z INFO  [greeter] order placed order_id=42 trace_id=...
// The level name always starts at kConsoleLevelOffset (the sink colours it).
void RenderConsole(const Record& record, std::string& out);
inline constexpr size_t kConsoleLevelOffset = 25;

// Splits a W3C traceparent "00-<32 hex trace id>-<16 hex span id>-<2 hex flags>" into
// its ids (views into `traceparent`). False, leaving the ids alone, when malformed.
bool ParseTraceparent(std::string_view traceparent, std::string_view* trace_id,
                      std::string_view* span_id);

}  // namespace micro::log::internal

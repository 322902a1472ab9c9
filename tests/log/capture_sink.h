// A spdlog sink that keeps every line it is given, for tests to read back.
//
//   auto sink = std::make_shared<micro::log::testing::CaptureSink>();
//   micro::log::Configure({.level = Level::kInfo, .format = Format::kJson, .async = false,
//                          .sinks = {sink}});
//   ...
//   auto json = sink->Json();   // every line, parsed (a line that does not parse fails)
#pragma once

#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

#include <micro/log/log.h>
#include <spdlog/sinks/base_sink.h>
#include <nlohmann/json.hpp>

namespace micro::log::testing {

class CaptureSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  std::vector<std::string> Lines() {
    std::lock_guard lock(mutex_);
    return lines_;
  }
  // All lines, as one string (to check that something appears nowhere).
  std::string Text() {
    std::string all;
    for (const auto& l : Lines()) all += l + "\n";
    return all;
  }
  // Every line parsed as JSON; a line that is not valid JSON fails the test.
  std::vector<nlohmann::json> Json() {
    std::vector<nlohmann::json> out;
    for (const auto& l : Lines()) {
      auto j = nlohmann::json::parse(l, nullptr, /*allow_exceptions=*/false);
      EXPECT_FALSE(j.is_discarded()) << "not JSON: " << l;
      out.push_back(std::move(j));
    }
    return out;
  }
  // The lines whose msg is `msg`.
  std::vector<nlohmann::json> WithMsg(const std::string& msg) {
    std::vector<nlohmann::json> out;
    for (auto& j : Json()) {
      if (j.value("msg", "") == msg) out.push_back(std::move(j));
    }
    return out;
  }
  size_t size() {
    std::lock_guard lock(mutex_);
    return lines_.size();
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t buf;
    formatter_->format(msg, buf);
    std::string line(buf.data(), buf.size());
    if (!line.empty() && line.back() == '\n') line.pop_back();
    EXPECT_EQ(line.find('\n'), std::string::npos) << "a line with a newline in it: " << line;
    lines_.push_back(std::move(line));
  }
  void flush_() override {}

 private:
  std::vector<std::string> lines_;
};

// Sends the process logger to a new CaptureSink (sync, JSON, info) and returns it.
inline std::shared_ptr<CaptureSink> Capture(Level level = Level::kInfo,
                                            Format format = Format::kJson, bool async = false) {
  auto sink = std::make_shared<CaptureSink>();
  Status s = Configure({.service = "test-svc",
                        .instance = "test-1",
                        .level = level,
                        .format = format,
                        .async = async,
                        .sinks = {sink}});
  EXPECT_TRUE(s.ok()) << s;
  return sink;
}

}  // namespace micro::log::testing

// Reading a Value as the type a getter promises. Internal to libmicro. Each function
// fails with a Status whose message is only what was expected ("expected an integer"):
// Config adds the key, the value and the layer around it.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <micro/config/value.h>
#include <micro/core/result.h>

namespace micro::config {

Result<std::string> ToString(const Value& v);
Result<int64_t> ToInt(const Value& v);
Result<double> ToDouble(const Value& v);
Result<bool> ToBool(const Value& v);
Result<std::chrono::milliseconds> ToDuration(const Value& v);
Result<std::vector<std::string>> ToStringList(const Value& v);
Result<std::map<std::string, std::string>> ToStringMap(const Value& v);

// "250ms", "2s", "1.5m", "1h30m", or a bare number of milliseconds; non-negative.
Result<std::chrono::milliseconds> ParseDuration(std::string_view text);

// A value as an error message shows it: "abc" quoted, 12 bare, "a map", "a list".
std::string Describe(const Value& v);

}  // namespace micro::config

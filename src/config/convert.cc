#include "config/convert.h"

#include <charconv>
#include <cmath>
#include <limits>

namespace micro::config {

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Whole-string numeric parse; a leading '+' is allowed, as users write it.
template <typename T>
bool ParseNumber(std::string_view s, T& out) {
  s = Trim(s);
  if (s.size() > 1 && s.front() == '+' && s[1] != '-') s.remove_prefix(1);
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

Status Expected(std::string_view what) {
  return Status::InvalidArgument("expected " + std::string(what));
}

// Splits "a, b,,c" into {"a", "b", "c"}: items are trimmed, empty ones dropped so that a
// trailing comma or an empty string is harmless.
std::vector<std::string_view> SplitList(std::string_view s) {
  std::vector<std::string_view> out;
  while (true) {
    size_t comma = s.find(',');
    std::string_view item = Trim(s.substr(0, comma));
    if (!item.empty()) out.push_back(item);
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace

Result<std::string> ToString(const Value& v) {
  if (!v.is_scalar()) return Expected("a string");
  return v.ToString();
}

Result<int64_t> ToInt(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kInt:
      return v.as_int();
    case Value::Kind::kDouble: {
      double d = v.as_double();
      // 2^63 is exactly representable; anything from it up does not fit.
      if (std::trunc(d) == d && d >= -9223372036854775808.0 && d < 9223372036854775808.0) {
        return static_cast<int64_t>(d);
      }
      return Expected("an integer");
    }
    case Value::Kind::kString: {
      int64_t i = 0;
      if (ParseNumber(v.as_string(), i)) return i;
      return Expected("an integer");
    }
    default:
      return Expected("an integer");
  }
}

Result<double> ToDouble(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kInt:
      return static_cast<double>(v.as_int());
    case Value::Kind::kDouble:
      return v.as_double();
    case Value::Kind::kString: {
      double d = 0;
      if (ParseNumber(v.as_string(), d)) return d;
      return Expected("a number");
    }
    default:
      return Expected("a number");
  }
}

Result<bool> ToBool(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kBool:
      return v.as_bool();
    case Value::Kind::kInt:
      if (v.as_int() == 0 || v.as_int() == 1) return v.as_int() == 1;
      return Expected("a bool (true/false)");
    case Value::Kind::kString: {
      std::string s = Lower(Trim(v.as_string()));
      if (s == "true" || s == "yes" || s == "on" || s == "1") return true;
      if (s == "false" || s == "no" || s == "off" || s == "0") return false;
      return Expected("a bool (true/false)");
    }
    default:
      return Expected("a bool (true/false)");
  }
}

Result<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  constexpr std::string_view kExpected = "a duration (\"250ms\", \"2s\", \"1m\", \"1h\")";
  text = Trim(text);
  if (text.empty()) return Expected(kExpected);
  double bare = 0;
  if (ParseNumber(text, bare)) {
    if (!(bare >= 0) || bare > 9.2e18) return Expected(kExpected);
    return std::chrono::milliseconds(static_cast<int64_t>(bare));
  }
  // A sequence of <number><unit>, as Go's time.ParseDuration reads it: "1h30m", "1.5s".
  double total_ms = 0;
  while (!text.empty()) {
    size_t n = 0;
    while (n < text.size() && ((text[n] >= '0' && text[n] <= '9') || text[n] == '.')) ++n;
    double amount = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + n, amount);
    if (n == 0 || ec != std::errc() || end != text.data() + n) return Expected(kExpected);
    text.remove_prefix(n);
    size_t u = 0;
    while (u < text.size() && text[u] >= 'a' && text[u] <= 'z') ++u;
    std::string_view unit = text.substr(0, u);
    text.remove_prefix(u);
    double scale = 0;
    if (unit == "ms") {
      scale = 1;
    } else if (unit == "s") {
      scale = 1000;
    } else if (unit == "m") {
      scale = 60'000;
    } else if (unit == "h") {
      scale = 3'600'000;
    } else {
      return Expected(kExpected);
    }
    total_ms += amount * scale;
  }
  if (!(total_ms <= 9.2e18)) return Expected(kExpected);
  return std::chrono::milliseconds(static_cast<int64_t>(total_ms));
}

Result<std::chrono::milliseconds> ToDuration(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kInt:
    case Value::Kind::kDouble:
      return ParseDuration(v.ToString());
    case Value::Kind::kString:
      return ParseDuration(v.as_string());
    default:
      return ParseDuration("");
  }
}

Result<std::vector<std::string>> ToStringList(const Value& v) {
  std::vector<std::string> out;
  switch (v.kind()) {
    case Value::Kind::kList:
      for (const auto& e : v.as_list()) {
        if (!e.is_scalar() || e.is_null()) return Expected("a list of strings");
        out.push_back(e.ToString());
      }
      return out;
    case Value::Kind::kString:
      for (std::string_view item : SplitList(v.as_string())) out.emplace_back(item);
      return out;
    case Value::Kind::kMap:
    case Value::Kind::kNull:
      return Expected("a list of strings");
    default:
      out.push_back(v.ToString());
      return out;
  }
}

Result<std::map<std::string, std::string>> ToStringMap(const Value& v) {
  constexpr std::string_view kExpected = "a map of strings";
  std::map<std::string, std::string> out;
  if (v.is_map()) {
    for (const auto& [key, e] : v.as_map()) {
      if (!e.is_scalar()) return Expected(kExpected);
      out[key] = e.ToString();
    }
    return out;
  }
  if (v.kind() == Value::Kind::kString) {
    for (std::string_view item : SplitList(v.as_string())) {
      size_t eq = item.find('=');
      if (eq == std::string_view::npos || Trim(item.substr(0, eq)).empty()) {
        return Expected("a map of strings (\"k1=v1,k2=v2\")");
      }
      out[std::string(Trim(item.substr(0, eq)))] = std::string(Trim(item.substr(eq + 1)));
    }
    return out;
  }
  return Expected(kExpected);
}

std::string Describe(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kList:
      return "a list";
    case Value::Kind::kMap:
      return "a map";
    case Value::Kind::kNull:
      return "null";
    case Value::Kind::kString: {
      constexpr size_t kMax = 64;
      const std::string& s = v.as_string();
      if (s.size() <= kMax) return "\"" + s + "\"";
      return "\"" + s.substr(0, kMax) + "...\"";
    }
    default:
      return v.ToString();
  }
}

}  // namespace micro::config

// micro::config::Value: one node of a configuration tree — null, bool, integer, double,
// string, list or map. Sources (source.h) produce trees of them; Config (config.h) merges
// them and answers typed getters. The type is ours so that no parser library (yaml-cpp,
// nlohmann::json) shows in a public header.
//
//   config::Value port = 8080;                 // integers, doubles, bools, strings convert
//   config::Value tags = config::Value::List{"a", "b"};
//   config::Value root = config::Value::Map{{"server", config::Value::Map{{"port", port}}}};
//   const config::Value* p = root.Find("server.port");   // dotted path; nullptr if absent
//
// A Value is a plain value type: copies are deep, const access is safe from many threads.
#pragma once

#include <concepts>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace micro::config {

class Value {
 public:
  enum class Kind { kNull, kBool, kInt, kDouble, kString, kList, kMap };
  using List = std::vector<Value>;
  using Map = std::map<std::string, Value, std::less<>>;

  Value() = default;  // null
  // Implicit, so that defaults read naturally: {{"server.port", 8080}, {"debug", true}}.
  Value(bool b) : data_(b) {}  // NOLINT(google-explicit-constructor)
  template <std::integral T>
  requires(!std::same_as<T, bool>) Value(T i)
      : data_(static_cast<int64_t>(i)) {}  // NOLINT(google-explicit-constructor)
  template <std::floating_point T>
  Value(T d) : data_(static_cast<double>(d)) {}         // NOLINT(google-explicit-constructor)
  Value(const char* s) : data_(std::string(s)) {}       // NOLINT(google-explicit-constructor)
  Value(std::string_view s) : data_(std::string(s)) {}  // NOLINT(google-explicit-constructor)
  Value(std::string s) : data_(std::move(s)) {}         // NOLINT(google-explicit-constructor)
  Value(List l) : data_(std::move(l)) {}                // NOLINT(google-explicit-constructor)
  Value(Map m) : data_(std::move(m)) {}                 // NOLINT(google-explicit-constructor)

  Kind kind() const { return static_cast<Kind>(data_.index()); }
  bool is_null() const { return kind() == Kind::kNull; }
  bool is_map() const { return kind() == Kind::kMap; }
  bool is_list() const { return kind() == Kind::kList; }
  // Null, bool, number or string: anything a getter can read as one value.
  bool is_scalar() const { return !is_map() && !is_list(); }

  // Accessors; each requires the matching kind (checked by std::get).
  bool as_bool() const { return std::get<bool>(data_); }
  int64_t as_int() const { return std::get<int64_t>(data_); }
  double as_double() const { return std::get<double>(data_); }
  const std::string& as_string() const { return std::get<std::string>(data_); }
  const List& as_list() const { return std::get<List>(data_); }
  List& as_list() { return std::get<List>(data_); }
  const Map& as_map() const { return std::get<Map>(data_); }
  Map& as_map() { return std::get<Map>(data_); }

  // The node at a dotted path ("server.port"; a numeric segment indexes a list:
  // "peers.0.host"); "" is this node. nullptr when absent.
  const Value* Find(std::string_view path) const;

  // Scalars as a user would write them: "8080", "true", "0.5", "text" (no quotes), "" for
  // null. Lists and maps as compact JSON.
  std::string ToString() const;
  // Compact JSON; `indent` >= 0 pretty-prints.
  std::string ToJson(int indent = -1) const;

  // "null", "bool", "integer", "double", "string", "list", "map".
  static std::string_view KindName(Kind kind);

  friend bool operator==(const Value& a, const Value& b) { return a.data_ == b.data_; }

 private:
  std::variant<std::monostate, bool, int64_t, double, std::string, List, Map> data_;
};

// Splits "server.port" into {"server", "port"}; empty segments are kept, so callers can
// reject "a..b" by checking for them.
std::vector<std::string> SplitKey(std::string_view key);

}  // namespace micro::config

#include "governance/rules/reader.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

namespace micro::governance::rules_internal {

using config::Value;

std::string Join(std::string_view path, std::string_view key) {
  std::string out(path);
  if (!out.empty()) out += '.';
  out += key;
  return out;
}

Status Expected(std::string_view path, std::string_view what, const Value& got) {
  std::string shown = got.is_scalar() ? "\"" + got.ToString() + "\"" : got.ToJson();
  if (got.is_null()) shown = "nothing";
  return Status::InvalidArgument(std::string(path) + ": expected " + std::string(what) + ", got " +
                                 shown);
}

Result<MapReader> MapReader::Open(const Value& value, std::string path, const Keys& known) {
  if (value.is_null()) return MapReader(nullptr, std::move(path));
  if (!value.is_map()) return Expected(path, "a map", value);
  for (const auto& [key, child] : value.as_map()) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string list;
    for (std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
    return Status::InvalidArgument(Join(path, key) + ": unknown key (known: " + list + ")");
  }
  return MapReader(&value, std::move(path));
}

const Value* MapReader::Find(std::string_view key) const {
  if (map_ == nullptr) return nullptr;
  auto it = map_->as_map().find(key);
  return it == map_->as_map().end() ? nullptr : &it->second;
}

namespace {

// An integer, or a string of one (what env and flag layers produce).
bool ToInt(const Value& v, int64_t& out) {
  if (v.kind() == Value::Kind::kInt) {
    out = v.as_int();
    return true;
  }
  if (v.kind() == Value::Kind::kString) {
    const std::string& s = v.as_string();
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && end == s.data() + s.size() && !s.empty();
  }
  return false;
}

bool ToDouble(const Value& v, double& out) {
  int64_t i = 0;
  if (ToInt(v, i)) {
    out = static_cast<double>(i);
    return true;
  }
  if (v.kind() == Value::Kind::kDouble) {
    out = v.as_double();
    return std::isfinite(out);
  }
  if (v.kind() == Value::Kind::kString) {
    const std::string& s = v.as_string();
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && end == s.data() + s.size() && !s.empty() && std::isfinite(out);
  }
  return false;
}

std::string Range(std::string_view what, int64_t min, int64_t max) {
  std::string out(what);
  if (max == std::numeric_limits<int64_t>::max() || max == std::numeric_limits<int>::max()) {
    return out + " >= " + std::to_string(min);
  }
  return out + " in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
}

// 0 and 1 rather than 0.0 and 1.0.
std::string Number(double d) {
  if (d == std::floor(d) && std::fabs(d) < 1e15) return std::to_string(static_cast<int64_t>(d));
  return Value(d).ToString();
}

}  // namespace

Status MapReader::Int(std::string_view key, int64_t min, int64_t max, int64_t& out) const {
  const Value* v = Find(key);
  if (v == nullptr) return {};
  int64_t i = 0;
  if (!ToInt(*v, i) || i < min || i > max) {
    return Expected(PathOf(key), Range("an integer", min, max), *v);
  }
  out = i;
  return {};
}

Status MapReader::Int(std::string_view key, int min, int max, int& out) const {
  int64_t wide = out;
  MICRO_RETURN_IF_ERROR(Int(key, int64_t{min}, int64_t{max}, wide));
  out = static_cast<int>(wide);
  return {};
}

Status MapReader::Size(std::string_view key, size_t min, size_t& out) const {
  int64_t wide = static_cast<int64_t>(out);
  MICRO_RETURN_IF_ERROR(
      Int(key, static_cast<int64_t>(min), std::numeric_limits<int64_t>::max(), wide));
  out = static_cast<size_t>(wide);
  return {};
}

Status MapReader::Double(std::string_view key, double min, double max, double& out) const {
  const Value* v = Find(key);
  if (v == nullptr) return {};
  double d = 0;
  if (!ToDouble(*v, d) || d < min || d > max) {
    std::string what = "a number";
    if (max == std::numeric_limits<double>::max()) {
      what += " >= " + Number(min);
    } else {
      what += " in [" + Number(min) + ", " + Number(max) + "]";
    }
    return Expected(PathOf(key), what, *v);
  }
  out = d;
  return {};
}

Status MapReader::Bool(std::string_view key, bool& out) const {
  const Value* v = Find(key);
  if (v == nullptr) return {};
  if (v->kind() == Value::Kind::kBool) {
    out = v->as_bool();
    return {};
  }
  if (v->kind() == Value::Kind::kString) {
    const std::string& s = v->as_string();
    if (s == "true" || s == "yes" || s == "on" || s == "1") {
      out = true;
      return {};
    }
    if (s == "false" || s == "no" || s == "off" || s == "0") {
      out = false;
      return {};
    }
  }
  return Expected(PathOf(key), "true or false", *v);
}

Status MapReader::String(std::string_view key, std::string& out) const {
  const Value* v = Find(key);
  if (v == nullptr) return {};
  if (v->kind() != Value::Kind::kString) return Expected(PathOf(key), "a string", *v);
  out = v->as_string();
  return {};
}

Status MapReader::Millis(std::string_view key, std::chrono::milliseconds& out) const {
  int64_t ms = out.count();
  MICRO_RETURN_IF_ERROR(Int(key, 0, std::numeric_limits<int64_t>::max() / 1'000'000, ms));
  out = std::chrono::milliseconds(ms);
  return {};
}

Status MapReader::Nanos(std::string_view key, std::chrono::nanoseconds& out) const {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(out);
  MICRO_RETURN_IF_ERROR(Millis(key, ms));
  if (Has(key)) out = ms;
  return {};
}

Status MapReader::StringList(std::string_view key, std::vector<std::string>& out) const {
  const Value* v = Find(key);
  if (v == nullptr) return {};
  std::vector<std::string> items;
  if (v->kind() == Value::Kind::kString) {  // "a,b" from an env or flag layer
    std::string_view s = v->as_string();
    while (!s.empty()) {
      size_t comma = s.find(',');
      std::string_view item = s.substr(0, comma);
      while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
      while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
      if (!item.empty()) items.emplace_back(item);
      s = comma == std::string_view::npos ? std::string_view() : s.substr(comma + 1);
    }
  } else if (v->is_list()) {
    for (const Value& item : v->as_list()) {
      if (item.kind() != Value::Kind::kString) {
        return Expected(PathOf(key), "a list of strings", *v);
      }
      items.push_back(item.as_string());
    }
  } else {
    return Expected(PathOf(key), "a list of strings", *v);
  }
  out = std::move(items);
  return {};
}

Status MapReader::Codes(std::string_view key, CodeSet& out) const {
  std::vector<std::string> names;
  if (Status s = StringList(key, names); !s.ok()) {
    return Expected(PathOf(key), "a list of status code names", *Find(key));
  }
  if (!Has(key)) return {};
  auto codes = CodeSet::FromNames(names);
  if (!codes.ok()) {
    return Status::InvalidArgument(PathOf(key) + ": " + codes.status().message() +
                                   " (expected gRPC code names such as UNAVAILABLE)");
  }
  out = *codes;
  return {};
}

namespace {

void Flatten(const Value& node, const std::string& prefix,
             std::vector<std::pair<std::string, const Value*>>& out) {
  if (!node.is_map() || node.as_map().empty()) {
    out.emplace_back(prefix, &node);
    return;
  }
  for (const auto& [key, child] : node.as_map()) Flatten(child, prefix + "." + key, out);
}

// Joins keys below `prefix` until the key is a method path ("/pkg.Svc/Method").
Status JoinMethod(const Value& node, const std::string& prefix, std::string_view path,
                  std::vector<std::pair<std::string, const Value*>>& out) {
  if (prefix.find('/', 1) != std::string::npos) {
    out.emplace_back(prefix, &node);
    return {};
  }
  if (!node.is_map() || node.as_map().empty()) {
    return Status::InvalidArgument(std::string(path) + ".\"" + prefix +
                                   "\": a method rule's key must be a method path "
                                   "\"/package.Service/Method\"");
  }
  for (const auto& [key, child] : node.as_map()) {
    MICRO_RETURN_IF_ERROR(JoinMethod(child, prefix + "." + key, path, out));
  }
  return {};
}

// A service name's next dotted segment, rather than a rule: a non-empty map of maps none
// of whose keys is an option.
bool IsNamePrefix(const Value& v, const Keys& option_keys) {
  if (!v.is_map() || v.as_map().empty()) return false;
  for (const auto& [key, child] : v.as_map()) {
    if (!child.is_map()) return false;
    if (std::find(option_keys.begin(), option_keys.end(), key) != option_keys.end()) return false;
  }
  return true;
}

void JoinService(const Value& node, const std::string& prefix, const Keys& option_keys,
                 std::vector<std::pair<std::string, const Value*>>& out) {
  if (!IsNamePrefix(node, option_keys)) {
    out.emplace_back(prefix, &node);
    return;
  }
  for (const auto& [key, child] : node.as_map()) {
    JoinService(child, prefix + "." + key, option_keys, out);
  }
}

}  // namespace

std::vector<std::pair<std::string, const Value*>> FlattenScalars(const Value& map) {
  std::vector<std::pair<std::string, const Value*>> out;
  if (!map.is_map()) return out;
  for (const auto& [key, child] : map.as_map()) {
    if (child.is_map() && !child.as_map().empty()) {
      Flatten(child, key, out);
    } else {
      out.emplace_back(key, &child);
    }
  }
  return out;
}

Result<std::vector<std::pair<std::string, const Value*>>> RuleEntries(const Value& map,
                                                                      std::string_view path,
                                                                      const Keys& option_keys) {
  std::vector<std::pair<std::string, const Value*>> out;
  if (map.is_null()) return out;
  if (!map.is_map()) return Expected(path, "a map of rules keyed by service or method", map);
  for (const auto& [key, child] : map.as_map()) {
    if (key.starts_with('/')) {
      MICRO_RETURN_IF_ERROR(JoinMethod(child, key, path, out));
    } else {
      JoinService(child, key, option_keys, out);
    }
  }
  return out;
}

}  // namespace micro::governance::rules_internal

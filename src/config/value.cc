#include <micro/config/value.h>

#include <charconv>
#include <nlohmann/json.hpp>

namespace micro::config {

namespace {

nlohmann::json ToNlohmann(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kNull:
      return nullptr;
    case Value::Kind::kBool:
      return v.as_bool();
    case Value::Kind::kInt:
      return v.as_int();
    case Value::Kind::kDouble:
      return v.as_double();
    case Value::Kind::kString:
      return v.as_string();
    case Value::Kind::kList: {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& e : v.as_list()) out.push_back(ToNlohmann(e));
      return out;
    }
    case Value::Kind::kMap: {
      nlohmann::json out = nlohmann::json::object();
      for (const auto& [k, e] : v.as_map()) out[k] = ToNlohmann(e);
      return out;
    }
  }
  return nullptr;
}

}  // namespace

std::vector<std::string> SplitKey(std::string_view key) {
  std::vector<std::string> out;
  if (key.empty()) return out;
  size_t start = 0;
  while (true) {
    size_t dot = key.find('.', start);
    out.emplace_back(key.substr(start, dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return out;
}

const Value* Value::Find(std::string_view path) const {
  const Value* node = this;
  while (!path.empty()) {
    size_t dot = path.find('.');
    std::string_view segment = path.substr(0, dot);
    path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
    if (dot != std::string_view::npos && path.empty()) return nullptr;  // "a."
    if (node->is_map()) {
      const Map& m = node->as_map();
      auto it = m.find(segment);
      if (it == m.end()) return nullptr;
      node = &it->second;
    } else if (node->is_list()) {
      size_t index = 0;
      auto [end, ec] = std::from_chars(segment.data(), segment.data() + segment.size(), index);
      if (ec != std::errc() || end != segment.data() + segment.size()) return nullptr;
      if (index >= node->as_list().size()) return nullptr;
      node = &node->as_list()[index];
    } else {
      return nullptr;
    }
  }
  return node;
}

std::string Value::ToString() const {
  switch (kind()) {
    case Kind::kNull:
      return "";
    case Kind::kBool:
      return as_bool() ? "true" : "false";
    case Kind::kInt:
      return std::to_string(as_int());
    case Kind::kDouble:
      // Shortest text that reads back as the same double.
      return nlohmann::json(as_double()).dump();
    case Kind::kString:
      return as_string();
    case Kind::kList:
    case Kind::kMap:
      return ToJson();
  }
  return "";
}

std::string Value::ToJson(int indent) const {
  return ToNlohmann(*this).dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string_view Value::KindName(Kind kind) {
  switch (kind) {
    case Kind::kNull:
      return "null";
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "integer";
    case Kind::kDouble:
      return "double";
    case Kind::kString:
      return "string";
    case Kind::kList:
      return "list";
    case Kind::kMap:
      return "map";
  }
  return "?";
}

}  // namespace micro::config

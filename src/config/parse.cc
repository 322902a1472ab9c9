// YAML and JSON documents to Value trees. yaml-cpp and nlohmann::json throw; every
// exception stops here and becomes a Status.
#include <micro/config/parse.h>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <charconv>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "config/tree.h"

namespace micro::config {

namespace {

// Deeper documents are mistakes or attacks, and Value's destructor recurses.
constexpr int kMaxDepth = 64;
// YAML aliases can make a small document expand exponentially ("billion laughs").
constexpr size_t kMaxNodes = 100'000;

bool IsAsciiSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool EndsWith(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  for (size_t i = 0; i < suffix.size(); ++i) {
    char a = s[s.size() - suffix.size() + i];
    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
    if (a != suffix[i]) return false;
  }
  return true;
}

bool AllOf(std::string_view s, bool (*pred)(char)) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!pred(c)) return false;
  }
  return true;
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsOctal(char c) { return c >= '0' && c <= '7'; }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Types a plain (unquoted) YAML scalar by the YAML 1.2 core schema. Integers that do not
// fit 64 bits stay strings, so a getter reports them instead of silently wrapping.
Value ResolvePlainScalar(const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return {};
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;

  std::string_view body = s;
  bool negative = false;
  if (body.front() == '-' || body.front() == '+') {
    negative = body.front() == '-';
    body.remove_prefix(1);
  }
  auto parse_int = [&](std::string_view digits, int base) -> Value {
    uint64_t magnitude = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), magnitude, base);
    if (ec != std::errc() || end != digits.data() + digits.size()) return s;
    constexpr auto kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    if (!negative && magnitude > kMax) return s;
    if (negative && magnitude > kMax + 1) return s;
    return negative ? static_cast<int64_t>(0 - magnitude) : static_cast<int64_t>(magnitude);
  };
  if (AllOf(body, IsDigit)) return parse_int(body, 10);
  if (s.size() > 2 && s[0] == '0' && s[1] == 'o' && AllOf(body.substr(2), IsOctal)) {
    return parse_int(body.substr(2), 8);
  }
  if (s.size() > 2 && s[0] == '0' && s[1] == 'x' && AllOf(body.substr(2), IsHex)) {
    return parse_int(body.substr(2), 16);
  }

  if (body == ".inf" || body == ".Inf" || body == ".INF") {
    return negative ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
  }
  if (s == ".nan" || s == ".NaN" || s == ".NAN") return std::numeric_limits<double>::quiet_NaN();
  // [0-9]*(\.[0-9]*)?([eE][-+]?[0-9]+)? with at least one digit before the exponent.
  size_t i = 0;
  size_t mantissa_digits = 0;
  while (i < body.size() && IsDigit(body[i])) ++i, ++mantissa_digits;
  if (i < body.size() && body[i] == '.') {
    ++i;
    while (i < body.size() && IsDigit(body[i])) ++i, ++mantissa_digits;
  }
  if (mantissa_digits == 0) return s;
  if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
    ++i;
    if (i < body.size() && (body[i] == '-' || body[i] == '+')) ++i;
    if (i == body.size()) return s;
    while (i < body.size() && IsDigit(body[i])) ++i;
  }
  if (i != body.size()) return s;
  double d = 0;
  auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), d);
  if (ec != std::errc() || end != body.data() + body.size()) return s;
  return negative ? -d : d;
}

std::string Where(const YAML::Mark& mark) {
  if (mark.is_null()) return "";
  return "line " + std::to_string(mark.line + 1) + ", column " + std::to_string(mark.column + 1) +
         ": ";
}

// Builds a Value straight from yaml-cpp's parse events, rather than through YAML::Node:
// one pass, aliases expanded under a node budget, and no YAML::LoadAll, whose document
// loop never ends on some malformed input (yaml-cpp 0.7; fixed upstream in 2024).
class ValueBuilder : public YAML::EventHandler {
 public:
  struct Error {
    YAML::Mark mark;
    std::string message;
  };

  bool has_root() const { return has_root_; }
  Value TakeRoot() { return std::move(root_); }

  // YAML::EventHandler
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (ExpectingKey()) throw Error{mark, "empty key"};
    Add(mark, Value(), 1, anchor);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) throw Error{mark, "alias to an anchor that is not complete"};
    if (ExpectingKey()) {
      if (!it->second.value.is_scalar() || it->second.value.is_null()) {
        throw Error{mark, "keys must be scalars"};
      }
      SetKey(mark, it->second.value.ToString());
      return;
    }
    Add(mark, it->second.value, it->second.nodes, YAML::NullAnchor);
  }
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& text) override {
    if (ExpectingKey()) {
      // Keys keep their text: "0.5: x" is the path 0.5, not the double.
      Spend(mark, 1);
      if (anchor != YAML::NullAnchor) anchors_[anchor] = {Value(text), 1};
      SetKey(mark, text);
      return;
    }
    // "!" marks a quoted scalar and !!str an explicit string: both stay strings.
    bool is_string = tag == "!" || tag.ends_with(":str");
    Add(mark, is_string ? Value(text) : ResolvePlainScalar(text), 1, anchor);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    Push(mark, Value::List{}, anchor);
  }
  void OnSequenceEnd() override { Pop(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    Push(mark, Value::Map{}, anchor);
  }
  void OnMapEnd() override { Pop(); }

 private:
  struct Frame {
    Value value;  // the list or map being built
    YAML::anchor_t anchor = YAML::NullAnchor;
    size_t nodes = 1;  // in this subtree, aliases expanded
    bool has_key = false;
    std::string key{};
    YAML::Mark key_mark{};
  };
  struct Anchored {
    Value value;
    size_t nodes = 0;
  };

  bool ExpectingKey() const {
    return !stack_.empty() && stack_.back().value.is_map() && !stack_.back().has_key;
  }

  void Spend(const YAML::Mark& mark, size_t nodes) {
    nodes_ += nodes;
    if (nodes_ > kMaxNodes) {
      throw Error{mark, "document has more than " + std::to_string(kMaxNodes) + " nodes"};
    }
  }

  void SetKey(const YAML::Mark& mark, std::string key) {
    Frame& top = stack_.back();
    top.has_key = true;
    top.key = std::move(key);
    top.key_mark = mark;
  }

  void Push(const YAML::Mark& mark, Value empty, YAML::anchor_t anchor) {
    if (ExpectingKey()) throw Error{mark, "keys must be scalars"};
    if (stack_.size() >= static_cast<size_t>(kMaxDepth)) {
      throw Error{mark, "nested deeper than " + std::to_string(kMaxDepth) + " levels"};
    }
    Spend(mark, 1);
    stack_.push_back(Frame{std::move(empty), anchor});
  }

  void Pop() {
    Frame frame = std::move(stack_.back());
    stack_.pop_back();
    if (frame.anchor != YAML::NullAnchor) anchors_[frame.anchor] = {frame.value, frame.nodes};
    Attach(std::move(frame.value), frame.nodes);
  }

  void Add(const YAML::Mark& mark, Value value, size_t nodes, YAML::anchor_t anchor) {
    Spend(mark, nodes);
    if (anchor != YAML::NullAnchor) anchors_[anchor] = {value, nodes};
    Attach(std::move(value), nodes);
  }

  void Attach(Value value, size_t nodes) {
    if (stack_.empty()) {
      root_ = std::move(value);
      has_root_ = true;
      return;
    }
    Frame& top = stack_.back();
    top.nodes += nodes;
    if (top.value.is_list()) {
      top.value.as_list().push_back(std::move(value));
      return;
    }
    top.has_key = false;
    Status s = SetPath(top.value, top.key, std::move(value));
    if (!s.ok()) throw Error{top.key_mark, s.message()};
  }

  std::vector<Frame> stack_;
  std::map<YAML::anchor_t, Anchored> anchors_;
  size_t nodes_ = 0;
  Value root_;
  bool has_root_ = false;
};

Result<Value> ParseYaml(std::string_view text) {
  std::istringstream in{std::string(text)};
  ValueBuilder builder;
  try {
    YAML::Parser parser(in);
    if (!parser.HandleNextDocument(builder) || !builder.has_root()) return Value(Value::Map{});
    Value root = builder.TakeRoot();
    // Asked once more, never in a loop: one document is all a config file may hold.
    ValueBuilder rest;
    if (parser.HandleNextDocument(rest)) {
      return Status::InvalidArgument("expected one YAML document, found more");
    }
    if (root.is_null()) return Value(Value::Map{});
    if (!root.is_map()) {
      return Status::InvalidArgument("the top level must be a mapping of keys to values");
    }
    return root;
  } catch (const ValueBuilder::Error& e) {
    return Status::InvalidArgument(Where(e.mark) + e.message);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(Where(e.mark) + e.msg);
  } catch (const std::exception& e) {
    return Status::InvalidArgument(e.what());
  }
}

struct TooDeep {};

Status FromJson(const nlohmann::json& j, Value& out) {
  switch (j.type()) {
    case nlohmann::json::value_t::null:
    case nlohmann::json::value_t::discarded:
      out = Value();
      return {};
    case nlohmann::json::value_t::boolean:
      out = j.get<bool>();
      return {};
    case nlohmann::json::value_t::number_integer:
      out = j.get<int64_t>();
      return {};
    case nlohmann::json::value_t::number_unsigned: {
      auto u = j.get<uint64_t>();
      if (u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        out = static_cast<int64_t>(u);
      } else {
        out = static_cast<double>(u);
      }
      return {};
    }
    case nlohmann::json::value_t::number_float:
      out = j.get<double>();
      return {};
    case nlohmann::json::value_t::string:
      out = j.get<std::string>();
      return {};
    case nlohmann::json::value_t::binary:
      return Status::InvalidArgument("binary values are not supported");
    case nlohmann::json::value_t::array: {
      Value::List list;
      list.reserve(j.size());
      for (const auto& e : j) {
        Value v;
        MICRO_RETURN_IF_ERROR(FromJson(e, v));
        list.push_back(std::move(v));
      }
      out = std::move(list);
      return {};
    }
    case nlohmann::json::value_t::object: {
      out = Value::Map{};
      for (const auto& [key, e] : j.items()) {
        Value v;
        MICRO_RETURN_IF_ERROR(FromJson(e, v));
        MICRO_RETURN_IF_ERROR(SetPath(out, key, std::move(v)));
      }
      return {};
    }
  }
  return {};
}

Result<Value> ParseJson(std::string_view text) {
  nlohmann::json j;
  try {
    // The callback sees each value's depth as it is parsed; throwing stops the parser
    // before a deep document costs memory (the parse itself does not recurse).
    auto limit = [](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
      if (depth > kMaxDepth) throw TooDeep{};
      return true;
    };
    j = nlohmann::json::parse(text, limit, /*allow_exceptions=*/true, /*ignore_comments=*/true);
  } catch (const TooDeep&) {
    return Status::InvalidArgument("nested deeper than " + std::to_string(kMaxDepth) + " levels");
  } catch (const nlohmann::json::exception& e) {
    // "[json.exception.parse_error.101] parse error at line 1, ..." -> "parse error at ...".
    std::string_view what = e.what();
    if (size_t close = what.find("] "); close != std::string_view::npos) {
      what.remove_prefix(close + 2);
    }
    return Status::InvalidArgument(std::string(what));
  } catch (const std::exception& e) {
    return Status::InvalidArgument(e.what());
  }
  if (!j.is_object()) {
    return Status::InvalidArgument("the top level must be an object");
  }
  Value out;
  MICRO_RETURN_IF_ERROR(FromJson(j, out));
  return out;
}

}  // namespace

Format FormatFromPath(std::string_view path) {
  if (EndsWith(path, ".yaml") || EndsWith(path, ".yml")) return Format::kYaml;
  if (EndsWith(path, ".json")) return Format::kJson;
  return Format::kAuto;
}

Result<Value> ParseDocument(std::string_view text, Format format) {
  if (format == Format::kAuto) {
    size_t i = 0;
    while (i < text.size() && IsAsciiSpace(text[i])) ++i;
    format = i < text.size() && text[i] == '{' ? Format::kJson : Format::kYaml;
  }
  return format == Format::kJson ? ParseJson(text) : ParseYaml(text);
}

}  // namespace micro::config

// The one place where governance sections read config values: a map with a fixed list of
// known keys (anything else fails naming its full path and the known keys), and typed
// reads whose errors name the key and what it expects. Every section parser uses it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <micro/config/value.h>
#include <micro/core/result.h>
#include <micro/governance/code_set.h>
#include <micro/governance/policy_rules.h>

namespace micro::governance::rules_internal {

// "<path>.<key>", or `key` alone at the root.
std::string Join(std::string_view path, std::string_view key);

// INVALID_ARGUMENT "<path>: expected <what>, got <value>".
Status Expected(std::string_view path, std::string_view what, const config::Value& got);

using Keys = std::vector<std::string_view>;

class MapReader {
 public:
  // `value` must be a map (null reads as an empty map); every key must be in `known`.
  static Result<MapReader> Open(const config::Value& value, std::string path, const Keys& known);

  const std::string& path() const { return path_; }
  std::string PathOf(std::string_view key) const { return Join(path_, key); }
  bool Has(std::string_view key) const { return Find(key) != nullptr; }
  // The raw value of a key; nullptr when absent.
  const config::Value* Find(std::string_view key) const;

  // Each leaves `out` unchanged when the key is absent. Integers also read from strings
  // of digits (an env or flag layer), doubles from integers.
  Status Int(std::string_view key, int64_t min, int64_t max, int64_t& out) const;
  Status Int(std::string_view key, int min, int max, int& out) const;
  Status Size(std::string_view key, size_t min, size_t& out) const;
  Status Double(std::string_view key, double min, double max, double& out) const;
  Status Bool(std::string_view key, bool& out) const;
  Status String(std::string_view key, std::string& out) const;
  // `<name>_ms`: a non-negative integer of milliseconds.
  Status Millis(std::string_view key, std::chrono::milliseconds& out) const;
  Status Nanos(std::string_view key, std::chrono::nanoseconds& out) const;
  // A list of gRPC code names ([UNAVAILABLE, INTERNAL]) or one comma-separated string.
  Status Codes(std::string_view key, CodeSet& out) const;
  Status StringList(std::string_view key, std::vector<std::string>& out) const;

 private:
  MapReader(const config::Value* map, std::string path) : map_(map), path_(std::move(path)) {}
  const config::Value* map_;  // null: empty
  std::string path_;
};

// Config documents nest dotted keys ("/shop.Order/Get: {...}" arrives as
// {"/shop": {"Order/Get": {...}}}). These put the dots back.
//
// The entries of a map whose keys are names and whose leaves are scalars
// ({"1": {"2": 90}} -> {"1.2": 90}).
std::vector<std::pair<std::string, const config::Value*>> FlattenScalars(const config::Value& map);
// The entries of a rules map: a key starting with '/' joins the keys below it until it is a
// whole method path "/package.Service/Method"; another key is a service name, joined with
// the keys below it while they are not `option_keys` ("shop.inventory").
Result<std::vector<std::pair<std::string, const config::Value*>>> RuleEntries(
    const config::Value& map, std::string_view path, const Keys& option_keys);

// `default` + `rules` of a policy section, from its reader (opened with at least the keys
// "default" and "rules"):
//   <section>: {default: {...}, rules: {"<service>" | "/pkg.Svc/Method": {...}}}
// `parse(value, path, base)` reads one options map over `base`; each rule starts from the
// parsed default. `methods` false rejects method keys (per-node policies). `option_keys`
// are the keys of one options map.
template <typename Options, typename ParseOne>
Result<PolicyRules<Options>> ReadPolicyRules(const MapReader& section, bool methods,
                                             const Keys& option_keys, ParseOne parse) {
  Options defaults{};
  if (const config::Value* d = section.Find("default")) {
    auto parsed = parse(*d, section.PathOf("default"), Options{});
    if (!parsed.ok()) return parsed.status();
    defaults = std::move(*parsed);
  }
  typename PolicyRules<Options>::Overrides overrides;
  if (const config::Value* r = section.Find("rules")) {
    std::string rules_path = section.PathOf("rules");
    auto entries = RuleEntries(*r, rules_path, option_keys);
    if (!entries.ok()) return entries.status();
    for (const auto& [key, rule] : *entries) {
      std::string rule_path = rules_path + ".\"" + key + "\"";
      if (!methods && key.starts_with('/')) {
        return Status::InvalidArgument(rule_path +
                                       ": rules of a per-node policy are per service, not "
                                       "per method");
      }
      auto parsed = parse(*rule, rule_path, defaults);
      if (!parsed.ok()) return parsed.status();
      overrides.emplace(key, std::move(*parsed));
    }
  }
  PolicyRules<Options> rules(std::move(defaults), std::move(overrides));
  if (Status s = rules.Validate(); !s.ok()) {
    return Status::InvalidArgument(section.path() + ": " + s.message());
  }
  return rules;
}

}  // namespace micro::governance::rules_internal

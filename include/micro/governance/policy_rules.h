// PolicyRules<Options>: which options of a policy apply to a call — a default, plus
// overrides per service or per method. Each resilience interceptor holds one and swaps it
// whole when the configuration changes (hot reload):
//
//   PolicyRules<RetryOptions> rules({.max_attempts = 2},
//                                   {{"inventory", {.max_attempts = 4}},
//                                    {"/shop.Order/Get", {.max_attempts = 3, .idempotent =
//                                    true}}});
//   retry->SetRules(rules);
//
// A key that starts with '/' is a method path ("/package.Service/Method"); any other key
// is a service name as the registry knows it. The most specific match wins: method, then
// service, then the default. Immutable once built: read it from any thread.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include <micro/core/status.h>

namespace micro::governance {

template <typename Options>
class PolicyRules {
 public:
  using Overrides = std::map<std::string, Options, std::less<>>;

  PolicyRules() = default;
  explicit PolicyRules(Options defaults, Overrides overrides = {})
      : defaults_(std::move(defaults)), overrides_(std::move(overrides)) {}

  const Options& For(std::string_view service, std::string_view method) const {
    if (!overrides_.empty()) {
      if (auto it = overrides_.find(method); it != overrides_.end()) return it->second;
      if (auto it = overrides_.find(service); it != overrides_.end()) return it->second;
    }
    return defaults_;
  }

  const Options& defaults() const { return defaults_; }
  const Overrides& overrides() const { return overrides_; }

  // Every Options::Validate(); a failure names the rule ("rule '/a.B/C': ...").
  Status Validate() const {
    if (Status s = defaults_.Validate(); !s.ok()) {
      return Status(s.code(), "default rule: " + s.message());
    }
    for (const auto& [key, options] : overrides_) {
      if (key.empty()) return Status::InvalidArgument("a rule has an empty key");
      if (Status s = options.Validate(); !s.ok()) {
        return Status(s.code(), "rule '" + key + "': " + s.message());
      }
    }
    return Status::Ok();
  }

 private:
  Options defaults_{};
  Overrides overrides_;
};

}  // namespace micro::governance

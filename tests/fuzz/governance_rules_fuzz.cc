// Fuzz target: the `governance` config section, from a YAML/JSON document to validated
// policy rules (ParseGovernance), as a Service reads it at start and on every config edit.
//
//   build/bin/governance_rules_fuzz tests/fuzz/corpus/governance_rules   # clang builds only
#include <micro/config/parse.h>
#include <micro/governance/rules.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto doc = micro::config::ParseDocument(text, micro::config::Format::kAuto);
  if (!doc.ok()) return 0;
  const micro::config::Value* section = doc->Find("governance");
  auto parsed = micro::governance::ParseGovernance(section ? *section : *doc);
  if (parsed.ok()) {
    // Whatever parses has passed every policy's validation.
    const auto& c = parsed->client;
    if (c.retry && !c.retry->rules.Validate().ok()) __builtin_trap();
    if (c.hedging) {
      if (!c.hedging->Validate().ok()) __builtin_trap();
      // A method is hedged or retried, never both, whatever the rules say.
      if (c.retry) {
        auto retry = micro::governance::RetryBesideHedging(c.retry->rules, *c.hedging);
        auto hedging = micro::governance::HedgingBesideRetry(*c.hedging, c.retry->rules);
        for (const auto& [key, options] : hedging.overrides()) {
          std::string_view service = key.starts_with('/') ? "" : std::string_view(key);
          std::string_view method = key.starts_with('/') ? std::string_view(key) : "";
          if (options.enabled() && retry.For(service, method).max_attempts > 1) __builtin_trap();
        }
        if (hedging.defaults().enabled() && retry.defaults().max_attempts > 1) __builtin_trap();
      }
    }
    if (c.breaker && !c.breaker->Validate().ok()) __builtin_trap();
    if (c.endpoint_breaker && !c.endpoint_breaker->Validate().ok()) __builtin_trap();
    if (c.outlier && !c.outlier->Validate().ok()) __builtin_trap();
    if (const auto& s = parsed->server.shedding; s && !s->Validate().ok()) __builtin_trap();
  } else if (parsed.status().message().empty()) {
    __builtin_trap();  // every rejection says why
  }
  return 0;
}

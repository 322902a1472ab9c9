// Flags of a test binary's own next to the ones micro::ServiceOptions::FromArgs reads:
// TakeFlags removes every `--<prefix>key=value` / `--<prefix>key value` from `args` and
// returns them by key.
//
//   auto faults = micro::testing::TakeFlags(args, "--fault.");   // {"delay_ms": "50"}
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace micro::testing {

inline std::map<std::string, std::string> TakeFlags(std::vector<std::string>& args,
                                                    std::string_view prefix) {
  std::map<std::string, std::string> taken;
  std::vector<std::string> rest;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (!a.starts_with(prefix)) {
      rest.push_back(a);
      continue;
    }
    std::string key = a.substr(prefix.size());
    std::string value;
    if (auto eq = key.find('='); eq != std::string::npos) {
      value = key.substr(eq + 1);
      key = key.substr(0, eq);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    }
    taken[key] = value;
  }
  args = std::move(rest);
  return taken;
}

}  // namespace micro::testing

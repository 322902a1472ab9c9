// Reading a selector's options from its URL query (`least_request://?choices=3`).
// Internal to libmicro. Each selector lists its keys once; an unknown key or a bad value
// fails creation with a message that names it.
#pragma once

#include <charconv>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include <micro/core/result.h>
#include <micro/core/url.h>

namespace micro::selector {

inline Status CheckQueryKeys(const Url& url, std::initializer_list<std::string_view> known) {
  for (const auto& [key, value] : url.query) {
    bool ok = false;
    for (std::string_view k : known) ok = ok || k == key;
    if (ok) continue;
    std::string list;
    for (std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
    return Status::InvalidArgument("selector " + url.scheme + ": unknown option '" + key + "'" +
                                   (list.empty() ? " (it takes none)" : "; known: " + list));
  }
  return {};
}

// The integer at `key`, or `fallback` when absent; INVALID_ARGUMENT outside [lo, hi].
inline Result<int64_t> QueryInt(const Url& url, const std::string& key, int64_t fallback,
                                int64_t lo, int64_t hi) {
  auto it = url.query.find(key);
  if (it == url.query.end()) return fallback;
  const std::string& text = it->second;
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < lo || v > hi) {
    return Status::InvalidArgument("selector " + url.scheme + ": option '" + key + "=" + text +
                                   "' must be an integer in [" + std::to_string(lo) + ", " +
                                   std::to_string(hi) + "]");
  }
  return v;
}

}  // namespace micro::selector

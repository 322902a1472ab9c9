// Small ASCII string helpers for HTTP header names and values. Internal to libmicro.
#pragma once

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

namespace micro::http {

inline char LowerAscii(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

inline std::string ToLowerAscii(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), LowerAscii);
  return out;
}

inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return LowerAscii(x) == LowerAscii(y);
         });
}

// Beast's string_view (boost::string_view in 1.74) to the standard one.
template <typename BoostStringView>
std::string_view Sv(const BoostStringView& s) {
  return std::string_view(s.data(), s.size());
}

}  // namespace micro::http

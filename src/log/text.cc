#include "log/text.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>
#include <vector>

namespace micro::log::internal {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// The length of the well-formed UTF-8 sequence (RFC 3629: no overlongs, no surrogates,
// nothing above U+10FFFF) starting at p[0] >= 0x80, or 0 when it is not one.
size_t Utf8SequenceLength(const unsigned char* p, size_t n) {
  unsigned char c = p[0];
  size_t len;
  unsigned char lo = 0x80, hi = 0xBF;  // the second byte's range
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c == 0xE0) {
    len = 3, lo = 0xA0;
  } else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) {
    len = 3;
  } else if (c == 0xED) {
    len = 3, hi = 0x9F;
  } else if (c == 0xF0) {
    len = 4, lo = 0x90;
  } else if (c >= 0xF1 && c <= 0xF3) {
    len = 4;
  } else if (c == 0xF4) {
    len = 4, hi = 0x8F;
  } else {
    return 0;
  }
  if (n < len || p[1] < lo || p[1] > hi) return 0;
  for (size_t k = 2; k < len; ++k) {
    if (p[k] < 0x80 || p[k] > 0xBF) return 0;
  }
  return len;
}

void AppendHexByte(std::string& out, std::string_view prefix, unsigned char c) {
  out += prefix;
  out += kHex[c >> 4];
  out += kHex[c & 0xF];
}

bool IsWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool IsKeyChar(char c) { return IsWordChar(c) || c == '-' || c == '.'; }
bool IsSpace(char c) { return c == ' ' || c == '\t'; }
// Where an unquoted value ends.
bool EndsValue(char c) {
  return std::isspace(static_cast<unsigned char>(c)) || c == '&' || c == ',' || c == ';' ||
         c == '"' || c == '\'' || c == ')' || c == '}' || c == ']' || c == '>';
}

using Ranges = std::vector<std::pair<size_t, size_t>>;  // [begin, end) to redact

size_t ValueEnd(std::string_view s, size_t i) {
  while (i < s.size() && !EndsValue(s[i])) ++i;
  return i;
}

// "enc(...)" as a word of its own ("enc(x)", "= enc(x)"), not the end of "func(".
void FindEncrypted(std::string_view s, Ranges& out) {
  for (size_t at = s.find("enc("); at != std::string_view::npos; at = s.find("enc(", at + 1)) {
    if (at > 0 && IsWordChar(s[at - 1])) continue;
    size_t close = s.find(')', at + 4);
    out.emplace_back(at, close == std::string_view::npos ? s.size() : close + 1);
  }
}

// The credentials after an HTTP auth scheme: "Bearer <token>", "Basic <base64>".
size_t SchemeCredentialsEnd(std::string_view s, size_t i) {
  for (std::string_view scheme : {"bearer ", "basic ", "digest "}) {
    if (s.size() - i <= scheme.size()) continue;
    bool match = true;
    for (size_t k = 0; k < scheme.size() && match; ++k) {
      match = std::tolower(static_cast<unsigned char>(s[i + k])) == scheme[k];
    }
    if (!match) continue;
    size_t token = i + scheme.size();
    size_t end = ValueEnd(s, token);
    if (end > token) return end;
  }
  return i;
}

void FindBearerTokens(std::string_view s, Ranges& out) {
  for (size_t at = s.find("earer "); at != std::string_view::npos; at = s.find("earer ", at + 1)) {
    if (at == 0 || (s[at - 1] != 'B' && s[at - 1] != 'b')) continue;
    if (at > 1 && IsWordChar(s[at - 2])) continue;
    size_t token = at + 6;
    size_t end = ValueEnd(s, token);
    if (end > token) out.emplace_back(token, end);
  }
}

// The password of "scheme://user:password@host".
void FindUrlPasswords(std::string_view s, Ranges& out) {
  for (size_t at = s.find("://"); at != std::string_view::npos; at = s.find("://", at + 1)) {
    size_t begin = at + 3, end = begin;
    while (end < s.size() && !EndsValue(s[end]) && s[end] != '/' && s[end] != '?' &&
           s[end] != '#') {
      ++end;
    }
    std::string_view authority = s.substr(begin, end - begin);
    size_t at_sign = authority.rfind('@');
    if (at_sign == std::string_view::npos) continue;
    size_t colon = authority.substr(0, at_sign).find(':');
    if (colon == std::string_view::npos || colon + 1 == at_sign) continue;
    out.emplace_back(begin + colon + 1, begin + at_sign);
  }
}

// The value of a secret-looking key: password=x, token: x, "api_key":"x",
// Authorization: Basic x.
void FindSecretPairs(std::string_view s, Ranges& out) {
  for (size_t i = 1; i < s.size(); ++i) {
    if (s[i] != '=' && s[i] != ':') continue;
    if (s[i] == ':' && i + 1 < s.size() && s[i + 1] == '/') continue;  // a URL
    size_t key_end = i, key_begin;
    bool quoted = s[i - 1] == '"';
    if (quoted) {
      key_end = i - 1;
      key_begin = s.rfind('"', key_end == 0 ? 0 : key_end - 1);
      if (key_begin == std::string_view::npos || key_begin >= key_end) continue;
      ++key_begin;
    } else {
      key_begin = key_end;
      while (key_begin > 0 && IsKeyChar(s[key_begin - 1])) --key_begin;
    }
    if (key_begin == key_end || !IsSecretKey(s.substr(key_begin, key_end - key_begin))) continue;
    size_t v = i + 1;
    while (v < s.size() && IsSpace(s[v])) ++v;
    if (v < s.size() && (s[v] == '"' || s[v] == '\'')) {
      size_t close = s.find(s[v], v + 1);
      size_t end = close == std::string_view::npos ? s.size() : close;
      if (end > v + 1) out.emplace_back(v + 1, end);
      continue;
    }
    size_t end = SchemeCredentialsEnd(s, v);
    if (end == v) end = ValueEnd(s, v);
    if (end > v) out.emplace_back(v, end);
  }
}
}  // namespace

// Bytes copied as they are: printable ASCII, less '"' and '\\' in JSON.
struct CopyTable {
  bool json[256] = {};
  bool console[256] = {};
  constexpr CopyTable() {
    for (int c = 0x20; c < 0x7F; ++c) json[c] = console[c] = true;
    json['"'] = json['\\'] = false;
  }
};
constexpr CopyTable kCopy;

void AppendEscaped(std::string& out, std::string_view s, Escape mode) {
  const bool json = mode == Escape::kJson;
  const bool* copy = json ? kCopy.json : kCopy.console;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0, run = 0;  // [run, i) is copied as is
  auto copy_run = [&] { out.append(s.data() + run, i - run); };
  while (i < n) {
    while (i < n && copy[p[i]]) ++i;
    if (i == n) break;
    unsigned char c = p[i];
    if (c >= 0x80) {
      if (size_t len = Utf8SequenceLength(p + i, n - i)) {
        i += len;
        continue;
      }
      copy_run();
      AppendHexByte(out, json ? "\\\\x" : "\\x", c);
      run = ++i;
      continue;
    }
    copy_run();
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        AppendHexByte(out, json ? "\\u00" : "\\x", c);
    }
    run = ++i;
  }
  copy_run();
}

bool IsSecretKey(std::string_view key) {
  // Called for every field of every line, so: the tail only (the longest suffix has 13
  // letters), ASCII lower-casing inline, and the last letter picks the candidates.
  constexpr size_t kLongest = 13;
  char buf[kLongest];
  size_t len = 0;
  for (size_t i = key.size(); i-- > 0 && len < kLongest;) {
    char c = key[i];
    if (c == '-' || c == '_' || c == '.' || c == ' ') continue;
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (len == 0 && c != 'n' && c != 'd' && c != 't' && c != 'y' && c != 'e' && c != 'l' &&
        c != 's') {
      return false;
    }
    buf[kLongest - 1 - len++] = c;
  }
  std::string_view tail(buf + kLongest - len, len);
  auto any = [&](std::initializer_list<std::string_view> suffixes) {
    for (std::string_view suffix : suffixes) {
      if (tail.ends_with(suffix)) return true;
    }
    return false;
  };
  if (len == 0) return false;
  switch (tail.back()) {
    case 'n':
      return any({"token", "authorization"});
    case 'd':
      return any({"password", "passwd"});
    case 't':
      return any({"secret"});
    case 'y':
      return any({"apikey", "privatekey"});
    case 'e':
      return any({"cookie"});
    case 'l':
      return any({"credential"});
    default:
      return any({"credentials"});
  }
}

bool ScrubSecrets(std::string_view s, std::string& out) {
  thread_local Ranges ranges;
  ranges.clear();
  // Most text has none of the characters a secret needs around it: memchr says so fast.
  constexpr auto npos = std::string_view::npos;
  bool colon = s.find(':') != npos;
  if (s.find('(') != npos) FindEncrypted(s, ranges);
  if (s.find(' ') != npos) FindBearerTokens(s, ranges);
  if (colon) FindUrlPasswords(s, ranges);
  if (colon || s.find('=') != npos) FindSecretPairs(s, ranges);
  if (ranges.empty()) return false;
  std::sort(ranges.begin(), ranges.end());
  out.clear();
  size_t pos = 0;  // s[pos...] is not yet written
  for (auto [begin, end] : ranges) {
    if (end <= pos) continue;  // inside one already redacted
    if (begin >= pos) {
      out.append(s.substr(pos, begin - pos));
      out += kRedacted;
    }
    pos = end;
  }
  out.append(s.substr(pos));
  return true;
}

}  // namespace micro::log::internal

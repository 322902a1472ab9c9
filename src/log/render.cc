#include "log/render.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "log/text.h"

namespace micro::log::internal {
namespace {

// "2026-11-23T16:52:50.123Z". The date and time of day change once a second per thread, so
// they are cached: gmtime_r once a second, not once a line.
void AppendTimestamp(std::string& out, std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  auto since = time.time_since_epoch();
  auto secs = floor<seconds>(since);
  auto ms = duration_cast<milliseconds>(since - secs).count();
  thread_local int64_t cached_secs = -1;
  thread_local char cached[24];
  if (secs.count() != cached_secs) {
    std::time_t t = static_cast<std::time_t>(secs.count());
    std::tm tm;
    gmtime_r(&t, &tm);
    std::strftime(cached, sizeof cached, "%Y-%m-%dT%H:%M:%S", &tm);
    cached_secs = secs.count();
  }
  out.append(cached, 19);
  char frac[6] = {'.',
                  static_cast<char>('0' + ms / 100),
                  static_cast<char>('0' + ms / 10 % 10),
                  static_cast<char>('0' + ms % 10),
                  'Z',
                  0};
  out.append(frac, 5);
}

template <typename T>
void AppendNumber(std::string& out, T value) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, ec == std::errc() ? end : buf);
}

// "850ns", "12.5us", "1.5ms", "2s", "90.25s": three decimals at most, trailing zeros cut.
void AppendDuration(std::string& out, std::chrono::nanoseconds d) {
  int64_t ns = d.count();
  double abs = std::fabs(static_cast<double>(ns));
  const char* unit;
  double value;
  if (abs < 1e3) {
    AppendNumber(out, ns);
    out += "ns";
    return;
  } else if (abs < 1e6) {
    value = static_cast<double>(ns) / 1e3, unit = "us";
  } else if (abs < 1e9) {
    value = static_cast<double>(ns) / 1e6, unit = "ms";
  } else {
    value = static_cast<double>(ns) / 1e9, unit = "s";
  }
  char buf[48];
  int n = std::snprintf(buf, sizeof buf, "%.3f", value);
  while (n > 0 && buf[n - 1] == '0') --n;
  if (n > 0 && buf[n - 1] == '.') --n;
  out.append(buf, n);
  out += unit;
}

bool IsReserved(std::string_view key) {
  return key == "ts" || key == "level" || key == "service" || key == "instance" ||
         key == "trace_id" || key == "span_id" || key == "msg";
}

// The text of a string-like value (string, duration, custom), scrubbed of secrets; `tmp`
// holds it when it had to be built or scrubbed.
std::string_view TextOf(const Field& f, std::string& tmp, std::string& scrubbed) {
  std::string_view text;
  switch (f.kind()) {
    case Field::Kind::kString:
      text = f.as_string();
      break;
    case Field::Kind::kDuration:
      tmp.clear();
      AppendDuration(tmp, f.as_duration());
      return tmp;  // digits and a unit: nothing to scrub
    default:
      tmp.clear();
      f.RenderCustomTo(tmp);
      text = tmp;
  }
  return ScrubSecrets(text, scrubbed) ? std::string_view(scrubbed) : text;
}

void AppendDouble(std::string& out, double v, bool json) {
  if (std::isfinite(v)) {
    // Most logged doubles are short decimals (durations in ms to the microsecond): write
    // those with integer arithmetic. k / 1000.0 == v means "<k/1000>" reads back as v.
    if (std::fabs(v) < 1e12) {
      auto k = std::llround(v * 1000);
      if (static_cast<double>(k) / 1000.0 == v) {
        if (k < 0) out += '-';
        uint64_t a = k < 0 ? 0 - static_cast<uint64_t>(k) : static_cast<uint64_t>(k);
        AppendNumber(out, a / 1000);
        if (unsigned frac = a % 1000) {
          char digits[4] = {'.', static_cast<char>('0' + frac / 100),
                            static_cast<char>('0' + frac / 10 % 10),
                            static_cast<char>('0' + frac % 10)};
          size_t n = 4;
          while (digits[n - 1] == '0') --n;
          out.append(digits, n);
        }
        return;
      }
    }
    return AppendNumber(out, v);
  }
  const char* name = std::isnan(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf";
  if (json) {
    out += '"';
    out += name;
    out += '"';
  } else {
    out += name;
  }
}

void AppendJsonString(std::string& out, std::string_view s) {
  out += '"';
  AppendEscaped(out, s, Escape::kJson);
  out += '"';
}

// A console value goes bare when a reader cannot mistake where it ends.
bool NeedsQuotes(std::string_view s) {
  if (s.empty()) return true;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7F || c == '"' || c == '=' || c == '\\') return true;
  }
  return false;
}

void AppendValue(std::string& out, const Field& f, bool json) {
  if (IsSecretKey(f.key())) {
    if (json) {
      AppendJsonString(out, kRedacted);
    } else {
      out += kRedacted;
    }
    return;
  }
  switch (f.kind()) {
    case Field::Kind::kNull:
      out += "null";
      return;
    case Field::Kind::kBool:
      out += f.as_bool() ? "true" : "false";
      return;
    case Field::Kind::kInt:
      return AppendNumber(out, f.as_int());
    case Field::Kind::kUint:
      return AppendNumber(out, f.as_uint());
    case Field::Kind::kDouble:
      return AppendDouble(out, f.as_double(), json);
    default:
      break;
  }
  // `tmp` is local, not thread_local: a custom value's ToString() may itself log.
  std::string tmp;
  thread_local std::string scrubbed;
  std::string_view text = TextOf(f, tmp, scrubbed);
  if (json || NeedsQuotes(text)) {
    AppendJsonString(out, text);
  } else {
    out += text;
  }
}

// The message, scrubbed of secrets.
std::string_view Message(std::string_view msg) {
  thread_local std::string scrubbed;
  return ScrubSecrets(msg, scrubbed) ? std::string_view(scrubbed) : msg;
}

struct HexTable {
  bool lower_hex[256] = {};
  constexpr HexTable() {
    for (int c = '0'; c <= '9'; ++c) lower_hex[c] = true;
    for (int c = 'a'; c <= 'f'; ++c) lower_hex[c] = true;
  }
};
constexpr HexTable kHex;

bool IsLowerHex(std::string_view s) {
  bool ok = true;
  for (char c : s) ok &= kHex.lower_hex[static_cast<unsigned char>(c)];
  return ok;
}

}  // namespace

void RenderJson(const Record& r, std::string& out) {
  out += "{\"ts\":\"";
  AppendTimestamp(out, r.time);
  out += "\",\"level\":\"";
  out += LevelName(r.level);
  out += "\",\"service\":";
  AppendJsonString(out, r.service);
  out += ",\"instance\":";
  AppendJsonString(out, r.instance);
  if (!r.trace_id.empty()) {
    out += ",\"trace_id\":\"";
    out += r.trace_id;  // validated hex
    out += "\",\"span_id\":\"";
    out += r.span_id;
    out += '"';
  }
  out += ",\"msg\":";
  AppendJsonString(out, Message(r.msg));
  for (size_t i = 0; i < r.field_count; ++i) {
    const Field& f = r.fields[i];
    out += ",\"";
    if (IsReserved(f.key())) out += '_';
    AppendEscaped(out, f.key(), Escape::kJson);
    out += "\":";
    AppendValue(out, f, /*json=*/true);
  }
  out += '}';
}

void RenderConsole(const Record& r, std::string& out) {
  static constexpr std::string_view kNames[] = {"TRACE", "DEBUG", "INFO ", "WARN ",
                                                "ERROR", "CRIT ", "OFF  "};
  AppendTimestamp(out, r.time);
  out += ' ';
  out += kNames[static_cast<int>(r.level)];
  out += " [";
  AppendEscaped(out, r.service, Escape::kConsole);
  out += "] ";
  AppendEscaped(out, Message(r.msg), Escape::kConsole);
  for (size_t i = 0; i < r.field_count; ++i) {
    const Field& f = r.fields[i];
    out += ' ';
    if (IsReserved(f.key())) out += '_';
    AppendEscaped(out, f.key(), Escape::kConsole);
    out += '=';
    AppendValue(out, f, /*json=*/false);
  }
  if (!r.trace_id.empty()) {
    out += " trace_id=";
    out += r.trace_id;
    out += " span_id=";
    out += r.span_id;
  }
}

bool ParseTraceparent(std::string_view tp, std::string_view* trace_id, std::string_view* span_id) {
  // version "-" trace-id "-" parent-id "-" flags; later versions may append "-..." fields.
  if (tp.size() < 55 || (tp.size() > 55 && tp[55] != '-')) return false;
  if (tp[2] != '-' || tp[35] != '-' || tp[52] != '-') return false;
  std::string_view version = tp.substr(0, 2), trace = tp.substr(3, 32), span = tp.substr(36, 16),
                   flags = tp.substr(53, 2);
  if (!IsLowerHex(version) || version == "ff" || !IsLowerHex(trace) || !IsLowerHex(span) ||
      !IsLowerHex(flags)) {
    return false;
  }
  if (trace == std::string_view("00000000000000000000000000000000") ||
      span == std::string_view("0000000000000000")) {
    return false;
  }
  *trace_id = trace;
  *span_id = span;
  return true;
}

}  // namespace micro::log::internal

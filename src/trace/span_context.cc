#include <micro/trace/span_context.h>

#include <algorithm>
#include <cstring>

namespace micro::trace {

namespace {

constexpr char kHex[] = "0123456789abcdef";

// Lower-case only: the spec's HEXDIGLC. Upper case is invalid in a traceparent.
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

template <size_t N>
bool FromHex(std::string_view hex, std::array<uint8_t, N>* out) {
  if (hex.size() != 2 * N) return false;
  for (size_t i = 0; i < N; ++i) {
    int hi = HexValue(hex[2 * i]);
    int lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    (*out)[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

// Writes 2 * N hex digits at `out` (ids are formatted for every call: one table lookup
// per digit, no per-character string growth).
// The two hex digits of each byte value, so that a byte is one copy.
constexpr std::array<char, 512> kHexPairs = [] {
  std::array<char, 512> pairs{};
  for (size_t b = 0; b < 256; ++b) {
    pairs[2 * b] = kHex[b >> 4];
    pairs[2 * b + 1] = kHex[b & 0xf];
  }
  return pairs;
}();

template <size_t N>
char* WriteHex(const std::array<uint8_t, N>& bytes, char* out) {
  for (uint8_t b : bytes) {
    std::memcpy(out, &kHexPairs[2 * size_t{b}], 2);
    out += 2;
  }
  return out;
}

template <size_t N>
std::string HexString(const std::array<uint8_t, N>& bytes) {
  std::string s(2 * N, '\0');
  WriteHex(bytes, s.data());
  return s;
}

template <size_t N>
bool NonZero(const std::array<uint8_t, N>& bytes) {
  uint64_t any = 0;
  for (size_t i = 0; i < N; i += 8) {
    uint64_t word;
    std::memcpy(&word, bytes.data() + i, 8);
    any |= word;
  }
  return any != 0;
}

Status Invalid(std::string_view why) {
  return Status::InvalidArgument("traceparent: " + std::string(why));
}

bool LcAlpha(char c) { return c >= 'a' && c <= 'z'; }
bool Digit(char c) { return c >= '0' && c <= '9'; }
bool KeyChar(char c) {
  return LcAlpha(c) || Digit(c) || c == '_' || c == '-' || c == '*' || c == '/';
}
bool Ows(char c) { return c == ' ' || c == '\t'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && Ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && Ows(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

bool TraceId::valid() const { return NonZero(bytes); }
bool SpanId::valid() const { return NonZero(bytes); }

std::string TraceId::Hex() const { return HexString(bytes); }

std::string SpanId::Hex() const { return HexString(bytes); }

bool TraceIdFromHex(std::string_view hex, TraceId* out) { return FromHex(hex, &out->bytes); }
bool SpanIdFromHex(std::string_view hex, SpanId* out) { return FromHex(hex, &out->bytes); }

Result<SpanContext> ParseTraceParent(std::string_view h) {
  // version "-" trace-id "-" parent-id "-" trace-flags: 2 + 1 + 32 + 1 + 16 + 1 + 2.
  constexpr size_t kV00Size = 55;
  if (h.size() < kV00Size) return Invalid("shorter than 55 characters");
  std::array<uint8_t, 1> version{};
  if (!FromHex(h.substr(0, 2), &version)) return Invalid("bad version");
  if (version[0] == 0xff) return Invalid("version ff is invalid");
  if (version[0] == 0x00 && h.size() != kV00Size) return Invalid("version 00 is 55 characters");
  // A later version may append fields, each after a '-'.
  if (h.size() > kV00Size && h[kV00Size] != '-') return Invalid("bad end of the flags");
  if (h[2] != '-' || h[35] != '-' || h[52] != '-') return Invalid("bad separators");
  SpanContext ctx;
  if (!FromHex(h.substr(3, 32), &ctx.trace_id.bytes)) return Invalid("bad trace-id");
  if (!FromHex(h.substr(36, 16), &ctx.span_id.bytes)) return Invalid("bad parent-id");
  std::array<uint8_t, 1> flags{};
  if (!FromHex(h.substr(53, 2), &flags)) return Invalid("bad trace-flags");
  if (!ctx.trace_id.valid()) return Invalid("all-zero trace-id");
  if (!ctx.span_id.valid()) return Invalid("all-zero parent-id");
  // Of a later version only the flags this version defines are understood.
  ctx.flags = version[0] == 0x00 ? flags[0] : (flags[0] & kSampledFlag);
  return ctx;
}

std::string FormatTraceParent(const SpanContext& ctx) {
  std::string s;
  FormatTraceParent(ctx, &s);
  return s;
}

void FormatTraceParent(const SpanContext& ctx, std::string* out) {
  // "00-" 32 hex "-" 16 hex "-" 2 hex
  char buf[55];
  char* p = buf;
  *p++ = '0';
  *p++ = '0';
  *p++ = '-';
  p = WriteHex(ctx.trace_id.bytes, p);
  *p++ = '-';
  p = WriteHex(ctx.span_id.bytes, p);
  *p++ = '-';
  *p++ = kHex[ctx.flags >> 4];
  *p++ = kHex[ctx.flags & 0xf];
  out->assign(buf, sizeof buf);
}

void AppendHex(const TraceId& id, std::string* out) {
  size_t at = out->size();
  out->resize(at + 32);
  WriteHex(id.bytes, out->data() + at);
}

void AppendHex(const SpanId& id, std::string* out) {
  size_t at = out->size();
  out->resize(at + 16);
  WriteHex(id.bytes, out->data() + at);
}

bool TraceState::ValidKey(std::string_view key) {
  // simple-key = lcalpha 0*255(keychar)
  // multi-tenant-key = (lcalpha / DIGIT) 0*240(keychar) "@" lcalpha 0*13(keychar)
  size_t at = key.find('@');
  if (at == std::string_view::npos) {
    if (key.empty() || key.size() > 256 || !LcAlpha(key[0])) return false;
    return std::all_of(key.begin() + 1, key.end(), KeyChar);
  }
  std::string_view tenant = key.substr(0, at);
  std::string_view system = key.substr(at + 1);
  if (tenant.empty() || tenant.size() > 241 || !(LcAlpha(tenant[0]) || Digit(tenant[0]))) {
    return false;
  }
  if (system.empty() || system.size() > 14 || !LcAlpha(system[0])) return false;
  return std::all_of(tenant.begin() + 1, tenant.end(), KeyChar) &&
         std::all_of(system.begin() + 1, system.end(), KeyChar);
}

bool TraceState::ValidValue(std::string_view value) {
  // value = 0*255(chr) nblk-chr; chr = %x20 / nblk-chr; nblk-chr = %x21-2B / %x2D-3C / %x3E-7E
  if (value.empty() || value.size() > 256) return false;
  for (char c : value) {
    if (c < 0x20 || c > 0x7e || c == ',' || c == '=') return false;
  }
  return value.back() != ' ';
}

Result<TraceState> TraceState::Parse(std::string_view header) {
  TraceState state;
  size_t pos = 0;
  while (pos <= header.size()) {
    size_t comma = header.find(',', pos);
    if (comma == std::string_view::npos) comma = header.size();
    std::string_view member = Trim(header.substr(pos, comma - pos));
    pos = comma + 1;
    if (member.empty()) continue;
    size_t eq = member.find('=');
    if (eq == std::string_view::npos) {
      return Status::InvalidArgument("tracestate: a list-member without '='");
    }
    std::string_view key = member.substr(0, eq);
    std::string_view value = member.substr(eq + 1);
    if (!ValidKey(key)) return Status::InvalidArgument("tracestate: bad key");
    if (!ValidValue(value)) return Status::InvalidArgument("tracestate: bad value");
    for (const auto& m : state.members_) {
      if (m.first == key) return Status::InvalidArgument("tracestate: duplicate key");
    }
    if (state.members_.size() == kMaxMembers) {
      return Status::InvalidArgument("tracestate: more than 32 list-members");
    }
    state.members_.emplace_back(std::string(key), std::string(value));
  }
  return state;
}

std::string TraceState::ToString() const {
  std::string out;
  for (const auto& [k, v] : members_) {
    if (!out.empty()) out.push_back(',');
    out.append(k).push_back('=');
    out.append(v);
  }
  return out;
}

Status TraceState::Set(std::string_view key, std::string_view value) {
  if (!ValidKey(key)) return Status::InvalidArgument("tracestate: bad key");
  if (!ValidValue(value)) return Status::InvalidArgument("tracestate: bad value");
  Remove(key);
  members_.insert(members_.begin(), Member(std::string(key), std::string(value)));
  if (members_.size() > kMaxMembers) members_.pop_back();
  return {};
}

std::string_view TraceState::Get(std::string_view key) const {
  for (const auto& [k, v] : members_) {
    if (k == key) return v;
  }
  return {};
}

void TraceState::Remove(std::string_view key) {
  std::erase_if(members_, [&](const Member& m) { return m.first == key; });
}

}  // namespace micro::trace

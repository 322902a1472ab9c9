// micro::log: the process's structured logger, on spdlog. One line per event, as JSON
// (for machines: ts, level, service, instance, trace_id, span_id, msg, then the fields) or
// as a readable console line (for people), chosen by `log.format`; the level (`log.level`)
// and the format change at run time with the config, without a restart. Values of
// secret-looking keys (password, token, authorization, ...) and `enc(...)` config values
// are written as "[REDACTED]". docs/logging.md is the user's guide.
//
//   MICRO_LOG_INFO(ctx, "order placed", {"order_id", id}, {"amount", 3});
//   MICRO_LOG_WARN({}, "cache cold", {"entries", n});   // {}: the call this thread serves
//   MICRO_LOG_DEBUG(ctx, "payload", {"bytes", req.ByteSizeLong()});
//
// A line logged with a Context carries its trace_id and span_id (from ctx.trace()); with
// `{}` it carries those of the call the thread is handling (ScopedCall, set for every
// call by the access-log interceptor, access_log.h). When the level is disabled the macros
// evaluate none of their arguments and format nothing.
//
// micro::Service configures the logger from its config (service name, node id, log.*);
// a program without a Service may call Configure(). Lines written before either go to
// stderr at info level. spdlog's default logger is routed here too, so `spdlog::info(...)`
// lines come out in the same format.
//
// Threading: everything here may be called from any thread at any time. Field values are
// views: a Field is only valid within the log call that names it.
#pragma once

#include <atomic>
#include <chrono>
#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <micro/core/context.h>
#include <micro/core/result.h>
#include <micro/core/status.h>

namespace spdlog::sinks {
class sink;
}  // namespace spdlog::sinks

namespace micro::log {

enum class Level : int { kTrace = 0, kDebug, kInfo, kWarn, kError, kCritical, kOff };

// "trace", "debug", "info", "warn", "error", "critical", "off".
std::string_view LevelName(Level level);
// Accepts the names above in any case, and "warning", "err", "fatal" as aliases.
Result<Level> ParseLevel(std::string_view name);

// kAuto: console when the output is a terminal, JSON otherwise.
enum class Format { kAuto, kJson, kConsole };
std::string_view FormatName(Format format);
Result<Format> ParseFormat(std::string_view name);

namespace internal {
extern std::atomic<int> g_min_level;

template <typename T>
concept HasToString = requires(const T& v) {
  { v.ToString() } -> std::convertible_to<std::string>;
};
template <typename T>
concept Printable = requires(std::ostream& os, const T& v) {
  os << v;
};
}  // namespace internal

// True when a line at `level` would be written. One relaxed atomic load.
inline bool Enabled(Level level) {
  return static_cast<int>(level) >= internal::g_min_level.load(std::memory_order_relaxed) &&
         level != Level::kOff;
}

// One key/value of a line. Built implicitly from {"key", value} where value is a bool, an
// integer, a floating-point number, a string (std::string, string_view, const char*), a
// std::chrono duration (written as "1.5ms"), nullptr, anything with a ToString() member
// (micro::Status) or anything printable with operator<<. Holds views, not copies.
class Field {
 public:
  enum class Kind : uint8_t { kNull, kBool, kInt, kUint, kDouble, kString, kDuration, kCustom };
  // Appends the text of a kCustom value.
  using RenderFn = void (*)(const void* value, std::string& out);

  Field(std::string_view key, std::nullptr_t) : key_(key), kind_(Kind::kNull) {}
  Field(std::string_view key, bool v) : key_(key), kind_(Kind::kBool) { u_.b = v; }
  template <std::signed_integral T>
  requires(!std::same_as<T, bool>) Field(std::string_view key, T v) : key_(key), kind_(Kind::kInt) {
    u_.i = static_cast<int64_t>(v);
  }
  template <std::unsigned_integral T>
  requires(!std::same_as<T, bool>) Field(std::string_view key, T v)
      : key_(key), kind_(Kind::kUint) {
    u_.u = static_cast<uint64_t>(v);
  }
  template <std::floating_point T>
  Field(std::string_view key, T v) : key_(key), kind_(Kind::kDouble) {
    u_.d = static_cast<double>(v);
  }
  Field(std::string_view key, std::string_view v) : key_(key), kind_(Kind::kString) { u_.s = v; }
  Field(std::string_view key, const std::string& v) : Field(key, std::string_view(v)) {}
  Field(std::string_view key, const char* v) : key_(key), kind_(v ? Kind::kString : Kind::kNull) {
    if (v) u_.s = std::string_view(v);
  }
  template <typename Rep, typename Period>
  Field(std::string_view key, std::chrono::duration<Rep, Period> d)
      : key_(key), kind_(Kind::kDuration) {
    u_.i = std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
  }
  template <typename T>
  requires(!std::is_arithmetic_v<T> && !std::is_convertible_v<const T&, std::string_view> &&
           (internal::HasToString<T> || internal::Printable<T>))
      Field(std::string_view key, const T& v)
      : key_(key), kind_(Kind::kCustom) {
    u_.custom = {&v, &RenderCustom<T>};
  }

  std::string_view key() const { return key_; }
  Kind kind() const { return kind_; }
  bool as_bool() const { return u_.b; }
  int64_t as_int() const { return u_.i; }
  uint64_t as_uint() const { return u_.u; }
  double as_double() const { return u_.d; }
  std::string_view as_string() const { return u_.s; }
  std::chrono::nanoseconds as_duration() const { return std::chrono::nanoseconds(u_.i); }
  void RenderCustomTo(std::string& out) const { u_.custom.render(u_.custom.value, out); }

 private:
  template <typename T>
  static void RenderCustom(const void* value, std::string& out) {
    const T& v = *static_cast<const T*>(value);
    if constexpr (internal::HasToString<T>) {
      out += v.ToString();
    } else {
      std::ostringstream os;
      os << v;
      out += os.str();
    }
  }

  std::string_view key_;
  Kind kind_;
  union U {
    U() : u(0) {}
    bool b;
    int64_t i;
    uint64_t u;
    double d;
    std::string_view s;
    struct {
      const void* value;
      RenderFn render;
    } custom;
  } u_;
};

// Which call a line is about: a Context (or a pointer to one, may be null), or — from
// `{}` — the call the current thread is handling, if any.
class Call {
 public:
  Call() = default;
  Call(const Context& ctx) : ctx_(&ctx) {}  // NOLINT(google-explicit-constructor)
  Call(const Context* ctx) : ctx_(ctx) {}   // NOLINT(google-explicit-constructor)
  const Context* context() const { return ctx_; }

 private:
  const Context* ctx_ = nullptr;
};

// Writes one line (if `level` is enabled). The macros below call this after checking
// Enabled(), so that disabled lines cost one atomic load.
void Write(Level level, Call call, std::string_view msg, std::initializer_list<Field> fields = {});

// Makes `ctx` the current call of this thread until destroyed (scopes nest), so that lines
// logged with `{}` carry its trace ids; `service`/`instance`, when not empty, replace the
// process's on those lines (several Services in one process). The strings and `ctx` must
// outlive the scope. The access-log interceptor opens one around every handled call.
class ScopedCall {
 public:
  explicit ScopedCall(const Context& ctx, std::string_view service = {},
                      std::string_view instance = {});
  ~ScopedCall();
  ScopedCall(const ScopedCall&) = delete;
  ScopedCall& operator=(const ScopedCall&) = delete;

  const Context* context() const { return ctx_; }
  std::string_view service() const { return service_; }
  std::string_view instance() const { return instance_; }
  // The innermost scope open on this thread, or null.
  static const ScopedCall* Current();

 private:
  const Context* ctx_;
  std::string_view service_;
  std::string_view instance_;
  const ScopedCall* previous_;
};

// Where lines go and how they look. Configure() replaces the whole setup; the setters
// below change one thing while lines are being written.
struct Options {
  std::string service;   // "" = the program's name
  std::string instance;  // "" = <hostname>-<pid>
  Level level = Level::kInfo;
  Format format = Format::kAuto;
  // "stderr", "stdout" or a file path (appended to).
  std::string output = "stderr";
  // true: lines are queued (8192 deep) and written by one background thread, so a slow
  // output never blocks a caller; when the queue is full the oldest queued line is dropped
  // (DroppedLines() counts them). false: the caller writes (and waits for) the line.
  bool async = true;
  // When not empty, lines go to these spdlog sinks instead of `output` (tests, syslog,
  // rotating files).
  std::vector<std::shared_ptr<spdlog::sinks::sink>> sinks{};
  // With no `sinks`: true keeps the sinks an earlier Configure() installed (so that a
  // program's own sinks survive micro::Service configuring the logger from its config);
  // false goes back to `output`.
  bool keep_installed_sinks = true;
};

// Fails (and changes nothing) when the output file cannot be opened.
Status Configure(Options options);

void SetLevel(Level level);
Level CurrentLevel();
void SetFormat(Format format);
// The format lines are written in now (kAuto resolved).
Format CurrentFormat();
// Sets the service and instance written on lines outside of a ScopedCall that names its own.
void SetIdentity(std::string_view service, std::string_view instance);

// Writes out every line logged before the call (waits up to 2 s for an async queue).
void Flush();
// Lines lost because the async queue was full, since the process started.
uint64_t DroppedLines();

}  // namespace micro::log

// MICRO_LOG_<LEVEL>(call, "message", {"key", value}...): `call` is a Context, a Context*
// or {} (see Call). The message is plain text, not a format string: put variable parts in
// fields.
#define MICRO_LOG(level, call, msg, ...)                    \
  do {                                                      \
    if (::micro::log::Enabled(level)) {                     \
      ::micro::log::Write(level, call, msg, {__VA_ARGS__}); \
    }                                                       \
  } while (false)
#define MICRO_LOG_TRACE(call, msg, ...) \
  MICRO_LOG(::micro::log::Level::kTrace, call, msg __VA_OPT__(, ) __VA_ARGS__)
#define MICRO_LOG_DEBUG(call, msg, ...) \
  MICRO_LOG(::micro::log::Level::kDebug, call, msg __VA_OPT__(, ) __VA_ARGS__)
#define MICRO_LOG_INFO(call, msg, ...) \
  MICRO_LOG(::micro::log::Level::kInfo, call, msg __VA_OPT__(, ) __VA_ARGS__)
#define MICRO_LOG_WARN(call, msg, ...) \
  MICRO_LOG(::micro::log::Level::kWarn, call, msg __VA_OPT__(, ) __VA_ARGS__)
#define MICRO_LOG_ERROR(call, msg, ...) \
  MICRO_LOG(::micro::log::Level::kError, call, msg __VA_OPT__(, ) __VA_ARGS__)
#define MICRO_LOG_CRITICAL(call, msg, ...) \
  MICRO_LOG(::micro::log::Level::kCritical, call, msg __VA_OPT__(, ) __VA_ARGS__)

// micro::config::Config: a service's configuration, layered, typed and live.
//
// Layers, later wins: defaults < file (YAML or JSON) < environment (MICRO_*) < flags
// (--server.port=8080) < remote sources (plugins by URL scheme, source.h). Keys are dotted
// paths ("server.port"). The file is watched, so an edit is seen without a restart; a bad
// edit keeps the last good values. docs/config.md is the user's guide.
//
//   auto cfg = micro::config::Config::Load({
//       .defaults = {{"server.port", 8080}, {"server.timeout", "2s"}},
//       .file = "app.yaml",
//       .args = {argv + 1, argv + argc},
//   });
//   if (!cfg.ok()) return Fail(cfg.status());   // names the file, line and column
//   Result<int64_t> port = (*cfg)->GetInt("server.port");
//   auto timeout = (*cfg)->GetOr("server.timeout", std::chrono::milliseconds(500));
//   (*cfg)->Watch("limits", [](const micro::config::Config& c) { Apply(c.GetValue("limits")); });
//
// Threading: every method may be called from any thread, concurrently with a reload.
// Getters read an immutable snapshot that a reload swaps atomically, so one getter never
// sees half a reload (two getters may straddle one). Watch callbacks run on the thread
// that reloaded (the file watcher's, a remote source's, or the caller of Reload()), one at
// a time, in order; they may call getters, Watch and Unwatch, but not Reload. Destroy the
// Config outside its callbacks.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <micro/config/source.h>
#include <micro/config/value.h>
#include <micro/core/result.h>

namespace micro::config {

// Every member has an initializer, so designated initializers may name any subset of them
// (without -Wmissing-field-initializers).
struct LoadOptions {
  // Lowest layer: dotted keys -> values ({"server.port", 8080}).
  std::map<std::string, Value> defaults{};
  // A YAML (.yaml/.yml) or JSON (.json) file; other names are sniffed by content. "" for
  // none. Missing or malformed at Load() is an error: a service must not start on a config
  // it could not read.
  std::string file{};
  // Environment variables starting with this prefix form a layer: MICRO_SERVER_PORT sets
  // server.port, MICRO_SERVER_MAX__BODY sets server.max_body ('_' separates, "__" is a
  // literal '_'). "" turns the layer off.
  std::string env_prefix = "MICRO_";
  // Command-line arguments without the program name. "--key=value", "--key value" and a
  // bare "--key" (= "true") set keys; "--" ends the flags; other arguments are ignored.
  std::vector<std::string> args{};
  // Further layers above the flags, in order: sources created from these URLs by
  // SourcePlugins() ("platform://127.0.0.1:8500/greeter"), then `sources` as given.
  std::vector<std::string> remote{};
  std::vector<std::shared_ptr<Source>> sources{};
  // Watch the file (and every source that supports it) and reload on change.
  bool watch = true;
};

class Config {
 public:
  // Builds every layer and reads it once. Fails when a layer cannot be read, a flag is
  // malformed, or a remote URL names no known plugin.
  static Result<std::unique_ptr<Config>> Load(LoadOptions options);

  ~Config();
  Config(const Config&) = delete;
  Config& operator=(const Config&) = delete;

  // Typed getters. NOT_FOUND names the key and how to set it; a value of the wrong type is
  // INVALID_ARGUMENT naming key, value and layer:
  //   server.port: expected an integer, got "abc" (from env:MICRO_SERVER_PORT)
  // Strings convert where a user would expect: "8080" is an integer, "true"/"yes"/"on"/"1"
  // a bool, "a,b,c" a list of three, "k1=v1,k2=v2" a map.
  Result<std::string> GetString(std::string_view key) const;
  Result<int64_t> GetInt(std::string_view key) const;
  Result<double> GetDouble(std::string_view key) const;
  Result<bool> GetBool(std::string_view key) const;
  // "250ms", "2s", "1.5m", "1h30m" (units ms, s, m, h), or a bare number of milliseconds.
  Result<std::chrono::milliseconds> GetDuration(std::string_view key) const;
  Result<std::vector<std::string>> GetStringList(std::string_view key) const;
  Result<std::map<std::string, std::string>> GetStringMap(std::string_view key) const;
  // The merged subtree under `key` ("" = everything), e.g. for a plugin to check its keys.
  Result<Value> GetValue(std::string_view key) const;

  // Get<T> for T in: bool, any integer (range-checked), float/double, std::string,
  // std::chrono::duration (via GetDuration), vector<string>, map<string, string>, Value.
  template <typename T>
  Result<T> Get(std::string_view key) const;

  // The value, or `fallback` when the key is unset. A value that is set but malformed
  // also yields `fallback`, and is logged as a warning: use Get when it must fail.
  template <typename T>
  T GetOr(std::string_view key, T fallback) const;
  std::string GetOr(std::string_view key, const char* fallback) const {
    return GetOr<std::string>(key, fallback);
  }

  // Which layer set `key`: "default", "file:/etc/app.yaml", "env:MICRO_SERVER_PORT",
  // "flag:--server.port", or a remote source's name. For a map, the highest layer that set
  // anything below it. "" when unset.
  std::string SourceOf(std::string_view key) const;
  // Every key holding a scalar or list, sorted ("server.port", "server.tags", ...).
  std::vector<std::string> Keys() const;

  // Calls `on_change` after a reload that changed the value at `key` or anything below it
  // ("" = any change). Returns a handle for Unwatch. See the threading note above.
  uint64_t Watch(std::string key, std::function<void(const Config&)> on_change);
  // After it returns the callback is not running (unless Unwatch is called from inside it)
  // and will not be called again.
  void Unwatch(uint64_t handle);

  // Re-reads every layer. A layer that fails keeps its last good values and the error is
  // returned (a bad edit must not take a running service down); the other layers apply.
  Status Reload();
  // The outcome of the most recent reload, whoever triggered it (the file watcher's
  // reloads have no caller to return an error to).
  Status LastReloadStatus() const;

  // The effective configuration as pretty-printed JSON, for debugging.
  std::string Dump() const;

 private:
  struct Impl;
  Config();
  void WarnFallback(const Status& status) const;
  Status OutOfRange(std::string_view key, std::string_view what) const;

  std::unique_ptr<Impl> impl_;
};

// Implementation of the templates.

namespace internal {
template <typename T>
struct IsDuration : std::false_type {};
template <typename Rep, typename Period>
struct IsDuration<std::chrono::duration<Rep, Period>> : std::true_type {};
template <typename T>
inline constexpr bool kAlwaysFalse = false;
}  // namespace internal

template <typename T>
Result<T> Config::Get(std::string_view key) const {
  if constexpr (std::is_same_v<T, bool>) {
    return GetBool(key);
  } else if constexpr (std::is_integral_v<T>) {
    auto v = GetInt(key);
    if (!v.ok()) return v.status();
    if (!std::in_range<T>(*v)) return OutOfRange(key, std::to_string(*v));
    return static_cast<T>(*v);
  } else if constexpr (std::is_floating_point_v<T>) {
    auto v = GetDouble(key);
    if (!v.ok()) return v.status();
    return static_cast<T>(*v);
  } else if constexpr (std::is_same_v<T, std::string>) {
    return GetString(key);
  } else if constexpr (internal::IsDuration<T>::value) {
    auto v = GetDuration(key);
    if (!v.ok()) return v.status();
    return std::chrono::duration_cast<T>(*v);
  } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
    return GetStringList(key);
  } else if constexpr (std::is_same_v<T, std::map<std::string, std::string>>) {
    return GetStringMap(key);
  } else if constexpr (std::is_same_v<T, Value>) {
    return GetValue(key);
  } else {
    static_assert(internal::kAlwaysFalse<T>, "Config::Get: unsupported type");
  }
}

template <typename T>
T Config::GetOr(std::string_view key, T fallback) const {
  Result<T> v = Get<T>(key);
  if (v.ok()) return std::move(v).value();
  if (v.status().code() != StatusCode::kNotFound) WarnFallback(v.status());
  return fallback;
}

}  // namespace micro::config

// config::Source: one layer of configuration — defaults, a file, the environment, flags,
// or a remote config service. Config (config.h) stacks sources, later ones winning.
//
// Built-in layers are made by Config::Load from LoadOptions. Further sources are plugins
// chosen by URL scheme (ARCHITECTURE.md): a platform:// or etcd:// source implements this
// interface and registers a factory in SourcePlugins(), then a service names it:
//
//   micro::config::SourcePlugins().Register("etcd", NewEtcdSource);   // in the plugin's
//                                                                     // RegisterBuiltin...
//   auto cfg = micro::config::Config::Load({.file = "app.yaml",
//                                           .remote = {"etcd://127.0.0.1:2379/greeter"}});
//
// Threading: Config calls Load() from one thread at a time (the thread doing a reload),
// Watch() once after creation and StopWatch() once before destruction. A source calls the
// `changed` callback from a thread of its own; the callback reloads that source
// synchronously, so a source must not hold a lock that Load() needs while calling it.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include <micro/config/value.h>
#include <micro/core/plugin_table.h>
#include <micro/core/result.h>

namespace micro::config {

// What a source produced: a tree of values (its root is a map) and, optionally, a finer
// origin for some keys than the source's name ("env:MICRO_SERVER_PORT" rather than
// "env:MICRO_*"). Keys missing from `origins` are attributed to Source::name().
struct Tree {
  Value root = Value::Map{};
  std::map<std::string, std::string> origins;  // dotted key -> origin
};

class Source {
 public:
  virtual ~Source() = default;

  // Names the layer in SourceOf() and in error messages: "default", "file:/etc/app.yaml",
  // "env:MICRO_*", "flags", "etcd://127.0.0.1:2379/greeter".
  virtual std::string name() const = 0;

  // Reads the whole layer. An error keeps the layer's last good tree in effect, so a
  // remote source that is briefly unreachable should return UNAVAILABLE (after serving
  // from its own cache if it has one), never an empty tree.
  virtual Result<Tree> Load() = 0;

  // Starts calling `changed` whenever the layer may have changed; spurious calls are
  // fine (Config compares values). UNIMPLEMENTED (the default) means the layer is static.
  virtual Status Watch(std::function<void()> changed) {
    (void)changed;
    return Status::Unimplemented(name() + " cannot be watched");
  }
  // After it returns, `changed` is not running and will not be called again.
  virtual void StopWatch() {}
};

// Sources by URL scheme. "file" (file:///etc/app.yaml) is registered by
// RegisterBuiltinSources(), which Config::Load calls; remote sources register themselves
// in their component's RegisterBuiltin...() function.
PluginTable<Source>& SourcePlugins();
void RegisterBuiltinSources();

}  // namespace micro::config

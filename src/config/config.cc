#include <micro/config/config.h>

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>

#include "config/convert.h"
#include "config/sources.h"
#include "config/tree.h"

namespace micro::config {

namespace {

// Set while a thread runs watch callbacks, so that Reload() from inside one fails instead
// of deadlocking on the reload lock that thread holds.
thread_local const void* tls_dispatching = nullptr;

using Callback = std::function<void(const Config&)>;

std::string OriginOf(const Snapshot& snap, std::string_view key) {
  while (!key.empty()) {
    if (auto it = snap.origins.find(key); it != snap.origins.end()) return it->second;
    size_t dot = key.rfind('.');
    key = dot == std::string_view::npos ? std::string_view() : key.substr(0, dot);
  }
  return "";
}

// Null and absent both mean "unset", so a change between them is no change.
const Value* FindSet(const Snapshot& snap, std::string_view key) {
  const Value* v = snap.root.Find(key);
  return v == nullptr || v->is_null() ? nullptr : v;
}

bool ChangedAt(const Snapshot& before, const Snapshot& after, std::string_view key) {
  const Value* a = FindSet(before, key);
  const Value* b = FindSet(after, key);
  if (a == nullptr || b == nullptr) return a != b;
  return !(*a == *b);
}

}  // namespace

struct Config::Impl {
  struct Layer {
    std::shared_ptr<Source> source;
    std::string name;
    Tree last_good;
  };
  struct Watcher {
    std::string key;
    std::shared_ptr<Callback> callback;
  };

  Config* owner = nullptr;
  std::string env_prefix;

  // Serialises reloads and the callbacks they trigger (so callbacks see changes in order);
  // guards `layers` and `loaded`.
  std::mutex reload_mu;
  std::vector<Layer> layers;
  bool loaded = false;
  std::vector<std::shared_ptr<Source>> watched;  // written only while Load builds the Config

  // A reload builds a new snapshot and swaps it in; getters copy the pointer and read an
  // immutable tree. Not std::atomic<std::shared_ptr>: libstdc++ 12's lock-bit version
  // is invisible to ThreadSanitizer, and a mutex held for one refcount increment costs
  // about the same.
  class SnapshotPtr {
   public:
    std::shared_ptr<const Snapshot> load() const {
      std::lock_guard lock(mu_);
      return ptr_;
    }
    std::shared_ptr<const Snapshot> exchange(std::shared_ptr<const Snapshot> next) {
      std::lock_guard lock(mu_);
      ptr_.swap(next);
      return next;
    }

   private:
    mutable std::mutex mu_;
    std::shared_ptr<const Snapshot> ptr_ = std::make_shared<const Snapshot>();
  };
  SnapshotPtr snapshot;

  mutable std::mutex status_mu;
  Status last_status;

  std::mutex watch_mu;  // guards everything below
  std::condition_variable watch_cv;
  std::map<uint64_t, Watcher> watchers;
  uint64_t next_handle = 1;
  uint64_t running = 0;             // the handle whose callback is running, or 0
  std::thread::id dispatch_thread;  // the thread running callbacks, while it does

  Result<Tree> LoadLayer(const Layer& layer) {
    Result<Tree> tree = layer.source->Load();
    if (!tree.ok()) {
      Status s = tree.status();
      if (s.message().starts_with(layer.name + ": ")) return s;
      return Status(s.code(), layer.name + ": " + s.message());
    }
    if (!tree->root.is_map()) {
      return Status::Internal(layer.name + ": the source produced a tree whose root is not a map");
    }
    return tree;
  }

  std::shared_ptr<const Snapshot> Merge() const {
    auto next = std::make_shared<Snapshot>();
    for (const Layer& layer : layers) Overlay(*next, layer.last_good, layer.name);
    return next;
  }

  // Re-reads one layer (`only`) or all of them, swaps in the new snapshot and runs the
  // callbacks of the keys that changed.
  Status Reload(std::optional<size_t> only) {
    if (tls_dispatching == this) {
      return Status::FailedPrecondition("Config::Reload called from a watch callback");
    }
    std::lock_guard lock(reload_mu);
    if (!loaded) return {};  // a watch fired while Load() was failing
    Status first_error;
    for (size_t i = 0; i < layers.size(); ++i) {
      if (only && *only != i) continue;
      Result<Tree> tree = LoadLayer(layers[i]);
      if (tree.ok()) {
        layers[i].last_good = std::move(tree).value();
      } else if (first_error.ok()) {
        first_error = tree.status();
      }
    }
    std::shared_ptr<const Snapshot> next = Merge();
    std::shared_ptr<const Snapshot> prev = snapshot.exchange(next);
    {
      std::lock_guard status_lock(status_mu);
      last_status = first_error;
    }
    Dispatch(*prev, *next);
    return first_error;
  }

  void OnSourceChanged(size_t layer) {
    Status s = Reload(layer);
    if (!s.ok())
      spdlog::warn("config: reload failed, keeping the last good values: {}", s.ToString());
  }

  void Dispatch(const Snapshot& before, const Snapshot& after) {
    std::vector<std::pair<uint64_t, std::shared_ptr<Callback>>> due;
    {
      std::lock_guard lock(watch_mu);
      for (const auto& [handle, w] : watchers) {
        if (ChangedAt(before, after, w.key)) due.emplace_back(handle, w.callback);
      }
      if (due.empty()) return;
      dispatch_thread = std::this_thread::get_id();
    }
    tls_dispatching = this;
    for (const auto& [handle, callback] : due) {
      {
        std::lock_guard lock(watch_mu);
        if (!watchers.contains(handle)) continue;  // unwatched by an earlier callback
        running = handle;
      }
      try {
        (*callback)(*owner);
      } catch (const std::exception& e) {
        spdlog::error("config: a watch callback threw: {}", e.what());
      } catch (...) {
        spdlog::error("config: a watch callback threw");
      }
      {
        std::lock_guard lock(watch_mu);
        running = 0;
      }
      watch_cv.notify_all();
    }
    tls_dispatching = nullptr;
    std::lock_guard lock(watch_mu);
    dispatch_thread = {};
  }

  Status NotSet(std::string_view key, const Snapshot& snap) const {
    std::string m = "config key \"" + std::string(key) + "\" is not set";
    if (snap.root.Find(key) != nullptr) m += " (null in " + OriginOf(snap, key) + ")";
    if (!key.empty()) {
      m += "; set it in the config file, ";
      if (!env_prefix.empty()) m += "as " + EnvNameForKey(env_prefix, key) + ", ";
      m += "or with --" + std::string(key);
    }
    return Status::NotFound(std::move(m));
  }

  template <typename T>
  Result<T> Get(std::string_view key, Result<T> (*convert)(const Value&)) const {
    std::shared_ptr<const Snapshot> snap = snapshot.load();
    const Value* v = FindSet(*snap, key);
    if (v == nullptr) return NotSet(key, *snap);
    Result<T> out = convert(*v);
    if (!out.ok()) {
      return Status::InvalidArgument(std::string(key) + ": " + out.status().message() + ", got " +
                                     Describe(*v) + " (from " + OriginOf(*snap, key) + ")");
    }
    return out;
  }
};

namespace {
Result<Value> CopyValue(const Value& v) { return v; }
}  // namespace

Config::Config() : impl_(std::make_unique<Impl>()) { impl_->owner = this; }

Config::~Config() {
  // Stop the watch threads first: they call into impl_.
  for (const auto& source : impl_->watched) source->StopWatch();
}

Result<std::unique_ptr<Config>> Config::Load(LoadOptions options) {
  RegisterBuiltinSources();
  std::unique_ptr<Config> config(new Config());
  Impl& impl = *config->impl_;
  impl.env_prefix = options.env_prefix;

  auto add = [&impl](std::shared_ptr<Source> source) {
    std::string name = source->name();
    impl.layers.push_back({std::move(source), std::move(name), Tree{}});
  };
  auto defaults = NewDefaultsSource(options.defaults);
  if (!defaults.ok()) return defaults.status();
  add(std::move(defaults).value());
  if (!options.file.empty()) add(NewFileSource(options.file));
  if (!options.env_prefix.empty()) add(NewEnvSource(options.env_prefix));
  if (!options.args.empty()) add(NewFlagSource(std::move(options.args)));
  for (const auto& url : options.remote) {
    auto source = SourcePlugins().Create(url);
    if (!source.ok()) {
      return Status(source.status().code(),
                    "config source " + url + ": " + source.status().message());
    }
    add(std::move(source).value());
  }
  for (auto& source : options.sources) {
    if (source == nullptr) return Status::InvalidArgument("LoadOptions::sources holds a null");
    add(std::move(source));
  }

  // Watch before the first read, so that no change between the read and the watch is lost.
  if (options.watch) {
    for (size_t i = 0; i < impl.layers.size(); ++i) {
      const Impl::Layer& layer = impl.layers[i];
      Status s = layer.source->Watch([&impl, i] { impl.OnSourceChanged(i); });
      if (s.ok()) {
        impl.watched.push_back(layer.source);
      } else if (s.code() != StatusCode::kUnimplemented) {
        // Not fatal: the service still runs, on the values read at start.
        spdlog::warn("config: {} will not be reloaded on change: {}", layer.name, s.ToString());
      }
    }
  }

  std::lock_guard lock(impl.reload_mu);
  for (Impl::Layer& layer : impl.layers) {
    Result<Tree> tree = impl.LoadLayer(layer);
    if (!tree.ok()) return tree.status();
    layer.last_good = std::move(tree).value();
  }
  (void)impl.snapshot.exchange(impl.Merge());
  impl.loaded = true;
  return config;
}

Result<std::string> Config::GetString(std::string_view key) const {
  return impl_->Get<std::string>(key, ToString);
}
Result<int64_t> Config::GetInt(std::string_view key) const {
  return impl_->Get<int64_t>(key, ToInt);
}
Result<double> Config::GetDouble(std::string_view key) const {
  return impl_->Get<double>(key, ToDouble);
}
Result<bool> Config::GetBool(std::string_view key) const { return impl_->Get<bool>(key, ToBool); }
Result<std::chrono::milliseconds> Config::GetDuration(std::string_view key) const {
  return impl_->Get<std::chrono::milliseconds>(key, ToDuration);
}
Result<std::vector<std::string>> Config::GetStringList(std::string_view key) const {
  return impl_->Get<std::vector<std::string>>(key, ToStringList);
}
Result<std::map<std::string, std::string>> Config::GetStringMap(std::string_view key) const {
  return impl_->Get<std::map<std::string, std::string>>(key, ToStringMap);
}
Result<Value> Config::GetValue(std::string_view key) const {
  return impl_->Get<Value>(key, CopyValue);
}

std::string Config::SourceOf(std::string_view key) const {
  std::shared_ptr<const Snapshot> snap = impl_->snapshot.load();
  if (key.empty() || snap->root.Find(key) == nullptr) return "";
  return OriginOf(*snap, key);
}

std::vector<std::string> Config::Keys() const {
  std::shared_ptr<const Snapshot> snap = impl_->snapshot.load();
  std::vector<std::string> keys;
  CollectLeafKeys(snap->root, "", keys);
  return keys;
}

uint64_t Config::Watch(std::string key, std::function<void(const Config&)> on_change) {
  std::lock_guard lock(impl_->watch_mu);
  uint64_t handle = impl_->next_handle++;
  impl_->watchers[handle] = {std::move(key), std::make_shared<Callback>(std::move(on_change))};
  return handle;
}

void Config::Unwatch(uint64_t handle) {
  std::unique_lock lock(impl_->watch_mu);
  impl_->watchers.erase(handle);
  if (impl_->dispatch_thread == std::this_thread::get_id()) return;  // from a callback
  impl_->watch_cv.wait(lock, [&] { return impl_->running != handle; });
}

Status Config::Reload() { return impl_->Reload(std::nullopt); }

Status Config::LastReloadStatus() const {
  std::lock_guard lock(impl_->status_mu);
  return impl_->last_status;
}

std::string Config::Dump() const { return impl_->snapshot.load()->root.ToJson(2); }

void Config::WarnFallback(const Status& status) const {
  spdlog::warn("config: {}; using the default", status.message());
}

Status Config::OutOfRange(std::string_view key, std::string_view what) const {
  std::shared_ptr<const Snapshot> snap = impl_->snapshot.load();
  return Status::InvalidArgument(std::string(key) + ": " + std::string(what) +
                                 " is out of range (from " + OriginOf(*snap, key) + ")");
}

}  // namespace micro::config

// The process logger: rendering in the caller's thread, output through spdlog (sinks,
// optional async queue), spdlog's default logger bridged in.
#include <errno.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include <micro/log/log.h>
#include <spdlog/async_logger.h>
#include <spdlog/details/thread_pool.h>
#include <spdlog/formatter.h>
#include <spdlog/sinks/ansicolor_sink.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/sink.h>
#include <spdlog/spdlog.h>

#include "log/render.h"

namespace micro::log {

namespace internal {
std::atomic<int> g_min_level{static_cast<int>(Level::kInfo)};
}  // namespace internal

namespace {

using internal::Record;

constexpr size_t kQueueLines = 8192;
constexpr auto kFlushWait = std::chrono::seconds(2);

spdlog::level::level_enum ToSpdlog(Level level) {
  return static_cast<spdlog::level::level_enum>(static_cast<int>(level));
}
Level FromSpdlog(spdlog::level::level_enum level) {
  return static_cast<Level>(std::clamp(static_cast<int>(level), 0, static_cast<int>(Level::kOff)));
}
static_assert(static_cast<int>(spdlog::level::warn) == static_cast<int>(Level::kWarn));
static_assert(static_cast<int>(spdlog::level::off) == static_cast<int>(Level::kOff));

// Lines arrive rendered; the sink only needs the newline, and for console lines the span of
// the level name, which a colour sink paints when writing to a terminal.
class LineFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const char* begin = msg.payload.data();
    dest.append(begin, begin + msg.payload.size());
    std::string_view line(begin, msg.payload.size());
    if (!line.empty() && line[0] != '{' && line.size() > internal::kConsoleLevelOffset) {
      size_t end = line.find(' ', internal::kConsoleLevelOffset);
      msg.color_range_start = internal::kConsoleLevelOffset;
      msg.color_range_end = end == std::string_view::npos ? line.size() : end;
    }
    dest.push_back('\n');
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<LineFormatter>();
  }
};

// The one sink of the process logger: hands each line to the configured sinks, and
// recognises Flush()'s barrier (a line at level "off", which no caller can log) so that
// Flush() can wait for an async queue to drain up to it.
class DispatchSink final : public spdlog::sinks::sink {
 public:
  explicit DispatchSink(std::vector<spdlog::sink_ptr> sinks) : sinks_(std::move(sinks)) {}

  // spdlog::sinks::sink
  void log(const spdlog::details::log_msg& msg) override {
    if (msg.level == spdlog::level::off) {
      std::lock_guard lock(mu_);
      ++barriers_seen_;
      cv_.notify_all();
      return;
    }
    for (auto& sink : sinks_) {
      if (sink->should_log(msg.level)) sink->log(msg);
    }
  }
  void flush() override {
    for (auto& sink : sinks_) sink->flush();
  }
  void set_pattern(const std::string&) override {}
  void set_formatter(std::unique_ptr<spdlog::formatter>) override {}

  uint64_t NextBarrier() { return barriers_posted_.fetch_add(1) + 1; }
  bool WaitBarrier(uint64_t barrier) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kFlushWait, [&] { return barriers_seen_ >= barrier; });
  }

 private:
  std::vector<spdlog::sink_ptr> sinks_;
  std::atomic<uint64_t> barriers_posted_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t barriers_seen_ = 0;
};

std::atomic<uint64_t> g_dropped_by_retired_outputs{0};

// Where lines go: the sinks, behind a sync or an async spdlog logger.
struct Output {
  std::shared_ptr<DispatchSink> dispatch;
  std::shared_ptr<spdlog::details::thread_pool> pool;  // null when sync
  std::shared_ptr<spdlog::logger> logger;
  std::string name;  // the `output` it was made for; "" for custom sinks
  bool async = false;
  bool terminal = false;

  ~Output() {
    if (!pool) return;
    g_dropped_by_retired_outputs += pool->overrun_counter();
    logger.reset();
    pool.reset();  // joins the thread once it has written every queued line
  }
};

Result<std::shared_ptr<Output>> MakeOutput(std::vector<spdlog::sink_ptr> sinks, std::string name,
                                           bool async, bool terminal) {
  for (auto& sink : sinks) sink->set_formatter(std::make_unique<LineFormatter>());
  auto out = std::make_shared<Output>();
  out->dispatch = std::make_shared<DispatchSink>(std::move(sinks));
  out->name = std::move(name);
  out->async = async;
  out->terminal = terminal;
  if (async) {
    out->pool = std::make_shared<spdlog::details::thread_pool>(
        kQueueLines, 1, [] { pthread_setname_np(pthread_self(), "micro-log"); });
    // overrun_oldest: a full queue drops its oldest line rather than block the caller.
    out->logger = std::make_shared<spdlog::async_logger>(
        "micro", out->dispatch, out->pool, spdlog::async_overflow_policy::overrun_oldest);
  } else {
    out->logger = std::make_shared<spdlog::logger>("micro", out->dispatch);
  }
  out->logger->set_level(spdlog::level::trace);  // Enabled() has decided already
  out->logger->flush_on(spdlog::level::trace);   // every line reaches the OS at once
  return out;
}

Result<std::shared_ptr<Output>> MakeNamedOutput(const std::string& name, bool async) {
  spdlog::sink_ptr sink;
  bool terminal = false;
  if (name == "stderr" || name.empty()) {
    sink = std::make_shared<spdlog::sinks::ansicolor_stderr_sink_mt>();
    terminal = isatty(STDERR_FILENO);
  } else if (name == "stdout") {
    sink = std::make_shared<spdlog::sinks::ansicolor_stdout_sink_mt>();
    terminal = isatty(STDOUT_FILENO);
  } else {
    try {
      sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(name, /*truncate=*/false);
    } catch (const std::exception& e) {
      return Status::InvalidArgument("log output '" + name + "' cannot be opened: " + e.what());
    }
  }
  return MakeOutput({sink}, name.empty() ? "stderr" : name, async, terminal);
}

// What a line needs besides its own content; replaced whole, read by copying the pointer.
struct Snapshot {
  std::shared_ptr<Output> output;
  std::string service;
  std::string instance;
};

std::string DefaultService() { return program_invocation_short_name; }

std::string DefaultInstance() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "localhost");
  return std::string(host) + "-" + std::to_string(getpid());
}

// Receives spdlog's default logger's lines (spdlog::info(...) anywhere in the process) and
// writes them as ours.
class BridgeSink final : public spdlog::sinks::sink {
 public:
  void log(const spdlog::details::log_msg& msg) override;
  void flush() override {}
  void set_pattern(const std::string&) override {}
  void set_formatter(std::unique_ptr<spdlog::formatter>) override {}
};

struct State {
  std::mutex configure_mu;  // one Configure/SetIdentity/SetFormat at a time
  std::mutex mu;            // guards `snapshot` only: held for a pointer copy
  std::shared_ptr<const Snapshot> snapshot;
  bool custom_sinks = false;
  Format requested_format = Format::kAuto;
  std::atomic<int> format{static_cast<int>(Format::kJson)};  // resolved
  std::shared_ptr<spdlog::logger> bridge;                    // set once, under configure_mu
  std::atomic<spdlog::logger*> bridge_raw{nullptr};          // for SetLevel from any thread
  // spdlog's default logger before the bridge replaced it, kept alive (another thread may
  // still use its raw pointer) and reachable, so leak checkers do not report it.
  std::shared_ptr<spdlog::logger> replaced_default;
};

// Never destroyed: lines may be written while statics are torn down.
State& S() {
  static State* state = new State();
  return *state;
}

std::shared_ptr<const Snapshot> Current() {
  State& s = S();
  std::lock_guard lock(s.mu);
  return s.snapshot;
}

void Publish(std::shared_ptr<const Snapshot> next) {
  State& s = S();
  std::shared_ptr<const Snapshot> previous;  // released outside the lock: may join a thread
  {
    std::lock_guard lock(s.mu);
    previous = std::exchange(s.snapshot, std::move(next));
  }
}

Format Resolve(Format requested, const Output& out) {
  if (requested != Format::kAuto) return requested;
  return out.terminal ? Format::kConsole : Format::kJson;
}

// Routes spdlog's default logger here (once), and flushes at exit.
void InstallBridgeLocked(State& s) {
  if (s.bridge) return;
  s.replaced_default = spdlog::default_logger();
  s.bridge = std::make_shared<spdlog::logger>("", std::make_shared<BridgeSink>());
  s.bridge->set_level(ToSpdlog(static_cast<Level>(internal::g_min_level.load())));
  spdlog::set_default_logger(s.bridge);
  s.bridge_raw = s.bridge.get();
  std::atexit([] { Flush(); });
}

// The snapshot, set up with the defaults if nothing configured the logger yet.
std::shared_ptr<const Snapshot> CurrentOrDefault() {
  if (auto snap = Current()) return snap;
  State& s = S();
  std::lock_guard lock(s.configure_mu);
  if (auto snap = Current()) return snap;
  auto out = MakeNamedOutput("stderr", /*async=*/false);  // cannot fail
  auto snap = std::make_shared<Snapshot>(Snapshot{*out, DefaultService(), DefaultInstance()});
  s.format = static_cast<int>(Resolve(s.requested_format, **out));
  // No bridge here: replacing spdlog's default logger is only safe at a known point of
  // start-up (Configure), not from whichever thread logs first.
  Publish(snap);
  return snap;
}

void Emit(Level level, const Context* ctx, std::chrono::system_clock::time_point time,
          std::string_view msg, const Field* fields, size_t field_count) {
  std::shared_ptr<const Snapshot> snap = CurrentOrDefault();
  const ScopedCall* scope = ScopedCall::Current();
  if (!ctx && scope) ctx = scope->context();

  Record r;
  r.level = level;
  r.time = time;
  r.service = scope && !scope->service().empty() ? scope->service() : snap->service;
  r.instance = scope && !scope->instance().empty() ? scope->instance() : snap->instance;
  if (ctx) internal::ParseTraceparent(ctx->trace().traceparent, &r.trace_id, &r.span_id);
  r.msg = msg;
  r.fields = fields;
  r.field_count = field_count;

  // One buffer per thread; a line logged while rendering another (a value's ToString()
  // that logs) gets its own.
  thread_local std::string buffer;
  thread_local int depth = 0;
  std::string nested;
  std::string& line = depth == 0 ? buffer : nested;
  line.clear();
  ++depth;
  if (static_cast<Format>(S().format.load(std::memory_order_relaxed)) == Format::kConsole) {
    internal::RenderConsole(r, line);
  } else {
    internal::RenderJson(r, line);
  }
  --depth;
  snap->output->logger->log(ToSpdlog(level), spdlog::string_view_t(line.data(), line.size()));
  if (line.capacity() > (64 << 10)) std::string().swap(line);  // one huge line keeps no memory
}

void BridgeSink::log(const spdlog::details::log_msg& msg) {
  Level level = FromSpdlog(msg.level);
  if (!Enabled(level)) return;
  std::string_view text(msg.payload.data(), msg.payload.size());
  std::string_view logger(msg.logger_name.data(), msg.logger_name.size());
  if (logger.empty()) {
    Emit(level, nullptr, msg.time, text, nullptr, 0);
  } else {
    Field field("logger", logger);
    Emit(level, nullptr, msg.time, text, &field, 1);
  }
}

thread_local const ScopedCall* g_current_call = nullptr;

}  // namespace

std::string_view LevelName(Level level) {
  static constexpr std::string_view kNames[] = {"trace", "debug",    "info", "warn",
                                                "error", "critical", "off"};
  int i = static_cast<int>(level);
  return i >= 0 && i <= static_cast<int>(Level::kOff) ? kNames[i] : "unknown";
}

Result<Level> ParseLevel(std::string_view name) {
  std::string lower(name);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (int i = 0; i <= static_cast<int>(Level::kOff); ++i) {
    if (lower == LevelName(static_cast<Level>(i))) return static_cast<Level>(i);
  }
  if (lower == "warning") return Level::kWarn;
  if (lower == "err") return Level::kError;
  if (lower == "fatal") return Level::kCritical;
  return Status::InvalidArgument("unknown log level '" + std::string(name) +
                                 "' (expected trace, debug, info, warn, error, critical or off)");
}

std::string_view FormatName(Format format) {
  switch (format) {
    case Format::kAuto:
      return "auto";
    case Format::kJson:
      return "json";
    case Format::kConsole:
      return "console";
  }
  return "unknown";
}

Result<Format> ParseFormat(std::string_view name) {
  for (Format f : {Format::kAuto, Format::kJson, Format::kConsole}) {
    if (name == FormatName(f)) return f;
  }
  if (name == "text") return Format::kConsole;
  return Status::InvalidArgument("unknown log format '" + std::string(name) +
                                 "' (expected json, console or auto)");
}

void Write(Level level, Call call, std::string_view msg, std::initializer_list<Field> fields) {
  if (!Enabled(level)) return;
  Emit(level, call.context(), std::chrono::system_clock::now(), msg, fields.begin(), fields.size());
}

ScopedCall::ScopedCall(const Context& ctx, std::string_view service, std::string_view instance)
    : ctx_(&ctx), service_(service), instance_(instance), previous_(g_current_call) {
  g_current_call = this;
}
ScopedCall::~ScopedCall() { g_current_call = previous_; }
const ScopedCall* ScopedCall::Current() { return g_current_call; }

Status Configure(Options options) {
  State& s = S();
  std::lock_guard lock(s.configure_mu);
  std::shared_ptr<const Snapshot> current = Current();
  std::shared_ptr<Output> out;
  if (!options.sinks.empty()) {
    auto made = MakeOutput(std::move(options.sinks), "", options.async, /*terminal=*/false);
    if (!made.ok()) return made.status();
    out = std::move(*made);
  } else if (current && ((s.custom_sinks && options.keep_installed_sinks) ||
                         (current->output->name == options.output &&
                          current->output->async == options.async))) {
    out = current->output;  // installed sinks win; an unchanged output is kept
  } else {
    auto made = MakeNamedOutput(options.output, options.async);
    if (!made.ok()) return made.status();
    out = std::move(*made);
  }
  s.custom_sinks = out->name.empty();
  auto snap = std::make_shared<Snapshot>(
      Snapshot{out, options.service.empty() ? DefaultService() : options.service,
               options.instance.empty() ? DefaultInstance() : options.instance});
  s.requested_format = options.format;
  s.format = static_cast<int>(Resolve(options.format, *out));
  SetLevel(options.level);
  InstallBridgeLocked(s);
  Publish(std::move(snap));
  return {};
}

void SetLevel(Level level) {
  internal::g_min_level.store(static_cast<int>(level), std::memory_order_relaxed);
  if (spdlog::logger* bridge = S().bridge_raw.load()) bridge->set_level(ToSpdlog(level));
}

Level CurrentLevel() { return static_cast<Level>(internal::g_min_level.load()); }

void SetFormat(Format format) {
  State& s = S();
  std::shared_ptr<const Snapshot> snap = CurrentOrDefault();
  std::lock_guard lock(s.configure_mu);
  s.requested_format = format;
  s.format = static_cast<int>(Resolve(format, *snap->output));
}

Format CurrentFormat() {
  CurrentOrDefault();
  return static_cast<Format>(S().format.load());
}

void SetIdentity(std::string_view service, std::string_view instance) {
  State& s = S();
  std::shared_ptr<const Snapshot> snap = CurrentOrDefault();
  std::lock_guard lock(s.configure_mu);
  snap = Current();
  Publish(std::make_shared<Snapshot>(
      Snapshot{snap->output, std::string(service), std::string(instance)}));
}

void Flush() {
  std::shared_ptr<const Snapshot> snap = Current();
  if (!snap) return;
  Output& out = *snap->output;
  out.logger->flush();
  if (!out.pool) return;
  uint64_t barrier = out.dispatch->NextBarrier();
  out.logger->log(spdlog::level::off, spdlog::string_view_t("", 0));
  out.dispatch->WaitBarrier(barrier);
}

uint64_t DroppedLines() {
  uint64_t dropped = g_dropped_by_retired_outputs.load();
  if (auto snap = Current(); snap && snap->output->pool) {
    dropped += snap->output->pool->overrun_counter();
  }
  return dropped;
}

}  // namespace micro::log

// ServiceOptions::FromArgs: the service's own settings, read through micro::config like any
// other configuration — defaults < --config file < env MICRO_* < flags.
#include <micro/service.h>

#include <cstdio>
#include <cstdlib>

#include <micro/config/config.h>

namespace micro {
namespace {

// The service's keys, each with its help text. Keys avoid '_' so that env names stay
// simple: MICRO_DRAIN_TIMEOUT sets drain.timeout.
struct Key {
  const char* name;
  const char* value;
  const char* help;
};

constexpr Key kKeys[] = {
    {"name", "NAME", "service name clients call"},
    {"version", "VERSION", "service version"},
    {"id", "ID", "node id (default: name-random)"},
    {"registry", "URL", "registry URL: platform://host:port or memory://"},
    {"grpc", "URL", "gRPC listen URL, e.g. grpc://0.0.0.0:9000 (\"\": off)"},
    {"http", "URL", "HTTP/JSON listen URL, e.g. http://0.0.0.0:8080 (\"\": off)"},
    {"advertise", "HOST", "host other processes dial (default: the listen host)"},
    {"metadata.KEY", "VALUE", "advertised with the node (weight, zone, lane, ...)"},
    {"ttl", "DURATION", "registration TTL, e.g. 10s"},
    {"heartbeat", "DURATION", "heartbeat interval"},
    {"drain.timeout", "DURATION", "longest wait for calls in flight at shutdown"},
    {"drain.grace", "DURATION", "keep serving this long after deregistering"},
    {"workers", "N", "threads for blocking handlers (0: 2 x cores, at least 4)"},
    {"request.limit", "BYTES", "largest request accepted"},
    {"selector", "NAME", "load balancing of outgoing calls: round_robin, random"},
    {"metrics.enabled", "BOOL", "RPC/process metrics and GET /metrics (default true)"},
    {"debug.enabled", "BOOL", "GET /debug/* pages (default: on when HTTP listens on loopback)"},
    {"debug.token", "TOKEN", "the /debug/* pages need 'Authorization: Bearer TOKEN'"},
    {"debug.rpcz_size", "N", "recent calls /debug/rpcz keeps (default 256)"},
    {"trace.sampler", "NAME",
     "always_on, always_off, traceidratio, parentbased_traceidratio, parentbased_always_on "
     "(default)"},
    {"trace.ratio", "R", "share of new traces sampled by the *traceidratio samplers, 0..1"},
    {"trace.endpoint", "URL", "OTLP/HTTP receiver, e.g. http://127.0.0.1:4318 (empty: no export)"},
    {"log.level", "LEVEL", "trace, debug, info, warn, error, critical, off (live)"},
    {"log.format", "FORMAT", "json, console, or auto: console on a terminal (live)"},
    {"log.access", "BOOL", "one log line per handled call (live; default true)"},
    {"log.output", "WHERE", "stderr, stdout or a file path"},
    {"log.async", "BOOL", "logs written by a background thread (default true)"},
    {"config", "FILE", "a YAML or JSON file with any of these keys (and the app's own)"},
};

std::string Usage(const char* program) {
  std::string out = std::string("Usage: ") + program + " [--key=value | --key value]...\n\n" +
                    "Each key may also be set in the --config file or as env MICRO_<KEY> "
                    "(dots become '_'):\n";
  for (const auto& k : kKeys) {
    std::string left = "  --" + std::string(k.name) + " " + k.value;
    left.resize(std::max<size_t>(left.size() + 1, 32), ' ');
    out += left + k.help + "\n";
  }
  out += "  --help                        this text\n";
  return out;
}

config::Value::Map MetadataDefaults(const std::map<std::string, std::string>& metadata) {
  config::Value::Map m;
  for (const auto& [k, v] : metadata) m.emplace(k, v);
  return m;
}

// trace.* as one subtree.
config::Value::Map TraceDefaults(const trace::TraceOptions& t) {
  return {{"sampler", t.sampler}, {"ratio", t.ratio}, {"endpoint", t.endpoint}};
}

// The --config file, from the flags or MICRO_CONFIG; read before the other layers exist.
std::string ConfigFile(const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i].starts_with("--config=")) return args[i].substr(9);
    if (args[i] == "--config" && i + 1 < args.size()) return args[i + 1];
  }
  const char* env = std::getenv("MICRO_CONFIG");
  return env ? env : "";
}

}  // namespace

Result<ServiceOptions> ServiceOptions::FromArgs(int argc, const char* const* argv,
                                                ServiceOptions defaults) {
  std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") return Status::Cancelled(Usage(argc > 0 ? argv[0] : "service"));
  }
  ServiceOptions& d = defaults;
  auto
      cfg =
          config::Config::Load(
              {
                  .defaults =
                      {
                          {"name", d.name},
                          {"version", d.version},
                          {"id", d.id},
                          {"registry", d.registry},
                          {"grpc", d.grpc_listen},
                          {"http", d.http_listen},
                          {"advertise", d.advertise_host},
                          {"metadata", MetadataDefaults(d.metadata)},
                          {"ttl", d.ttl.count()},
                          {"heartbeat", d.heartbeat_interval.count()},
                          {"drain.timeout", d.drain_timeout.count()},
                          {"drain.grace", d.drain_grace.count()},
                          {"workers", static_cast<int64_t>(d.server.worker_threads)},
                          {"request.limit", static_cast<int64_t>(d.server.max_request_bytes)},
                          {"selector", d.client.selector},
                          {"trace", TraceDefaults(d.trace)},
                          {"metrics.enabled", d.metrics_enabled},
                          {"debug.token", d.debug.token},
                          {"debug.rpcz_size", static_cast<int64_t>(d.debug.rpcz_size)},
                      },
                  .file = ConfigFile(args),
                  .args = args,
              });
  if (!cfg.ok()) return cfg.status();
  const config::Config& c = **cfg;

  ServiceOptions o = std::move(defaults);
  Status error;
  auto read = [&](const char* key, auto& field) {
    using T = std::remove_reference_t<decltype(field)>;
    if (!error.ok()) return;
    auto v = c.Get<T>(key);
    if (v.ok()) {
      field = *v;
    } else {
      error = v.status();
    }
  };
  read("name", o.name);
  read("version", o.version);
  read("id", o.id);
  read("registry", o.registry);
  read("grpc", o.grpc_listen);
  read("http", o.http_listen);
  read("advertise", o.advertise_host);
  read("metadata", o.metadata);
  read("ttl", o.ttl);
  read("heartbeat", o.heartbeat_interval);
  read("drain.timeout", o.drain_timeout);
  read("drain.grace", o.drain_grace);
  read("workers", o.server.worker_threads);
  read("request.limit", o.server.max_request_bytes);
  read("selector", o.client.selector);
  read("trace.sampler", o.trace.sampler);
  read("trace.ratio", o.trace.ratio);
  read("trace.endpoint", o.trace.endpoint);
  read("metrics.enabled", o.metrics_enabled);
  read("debug.token", o.debug.token);
  read("debug.rpcz_size", o.debug.rpcz_size);
  if (error.ok() && !c.SourceOf("debug.enabled").empty()) {  // unset: decided by the HTTP host
    bool debug_enabled = false;
    read("debug.enabled", debug_enabled);
    o.debug.enabled = debug_enabled;
  }
  if (!error.ok()) return error;
  if (o.name.empty()) return Status::InvalidArgument("a service name is required (--name)");
  if (o.ttl <= o.heartbeat_interval) {
    return Status::InvalidArgument("ttl (" + std::to_string(o.ttl.count()) +
                                   "ms) must be longer than heartbeat (" +
                                   std::to_string(o.heartbeat_interval.count()) + "ms)");
  }
  o.config = std::shared_ptr<config::Config>(std::move(*cfg));
  return o;
}

int ExitWithUsage(const Status& status) {
  if (status.code() == StatusCode::kCancelled) {  // --help
    std::fputs(status.message().c_str(), stdout);
    return 0;
  }
  std::fprintf(stderr, "error: %s\n", status.message().c_str());
  return 2;
}

}  // namespace micro

// ServiceOptions::FromArgs: defaults < env MICRO_* < flags, from one table of options.
#include <micro/service.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <vector>

namespace micro {
namespace {

struct OptionSpec {
  const char* flag;  // "--registry"; env is MICRO_ + upper-case with '-' -> '_'
  const char* help;
  std::function<Status(ServiceOptions&, const std::string&)> set;
};

Result<int64_t> ParseInt(const std::string& flag, const std::string& text) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < 0) {
    return Status::InvalidArgument(flag + ": expected a non-negative integer, got '" + text + "'");
  }
  return v;
}

auto Millis(std::chrono::milliseconds ServiceOptions::*field, const char* flag) {
  return [field, flag](ServiceOptions& o, const std::string& v) -> Status {
    auto n = ParseInt(flag, v);
    if (!n.ok()) return n.status();
    o.*field = std::chrono::milliseconds(*n);
    return {};
  };
}

auto Text(std::string ServiceOptions::*field) {
  return [field](ServiceOptions& o, const std::string& v) -> Status {
    o.*field = v;
    return {};
  };
}

const std::vector<OptionSpec>& Specs() {
  static const std::vector<OptionSpec> specs = {
      {"--name", "service name clients call", Text(&ServiceOptions::name)},
      {"--version", "service version", Text(&ServiceOptions::version)},
      {"--id", "node id (default: name-random)", Text(&ServiceOptions::id)},
      {"--registry", "registry URL (memory://, platform://host:port)",
       Text(&ServiceOptions::registry)},
      {"--grpc", "gRPC listen URL, e.g. grpc://0.0.0.0:9000 (empty: off)",
       Text(&ServiceOptions::grpc_listen)},
      {"--http", "HTTP/JSON listen URL, e.g. http://0.0.0.0:8080 (empty: off)",
       Text(&ServiceOptions::http_listen)},
      {"--advertise", "host other processes dial (default: listen host)",
       Text(&ServiceOptions::advertise_host)},
      {"--metadata", "k=v advertised with the node; repeatable",
       [](ServiceOptions& o, const std::string& v) -> Status {
         size_t eq = v.find('=');
         if (eq == std::string::npos || eq == 0) {
           return Status::InvalidArgument("--metadata: expected key=value, got '" + v + "'");
         }
         o.metadata[v.substr(0, eq)] = v.substr(eq + 1);
         return {};
       }},
      {"--ttl-ms", "registration TTL", Millis(&ServiceOptions::ttl, "--ttl-ms")},
      {"--heartbeat-ms", "heartbeat interval",
       Millis(&ServiceOptions::heartbeat_interval, "--heartbeat-ms")},
      {"--drain-ms", "longest wait for calls in flight at shutdown",
       Millis(&ServiceOptions::drain_timeout, "--drain-ms")},
      {"--drain-grace-ms", "keep serving this long after deregistering",
       Millis(&ServiceOptions::drain_grace, "--drain-grace-ms")},
      {"--workers", "threads for blocking handlers (0: 2 x cores, at least 4)",
       [](ServiceOptions& o, const std::string& v) -> Status {
         auto n = ParseInt("--workers", v);
         if (!n.ok()) return n.status();
         o.server.worker_threads = static_cast<size_t>(*n);
         return {};
       }},
      {"--max-request-bytes", "largest request accepted",
       [](ServiceOptions& o, const std::string& v) -> Status {
         auto n = ParseInt("--max-request-bytes", v);
         if (!n.ok()) return n.status();
         o.server.max_request_bytes = static_cast<size_t>(*n);
         return {};
       }},
      {"--selector", "load-balancing selector for outgoing calls (round_robin, random)",
       [](ServiceOptions& o, const std::string& v) -> Status {
         o.client.selector = v;
         return {};
       }},
  };
  return specs;
}

std::string EnvName(const char* flag) {
  std::string env = "MICRO_";
  for (const char* p = flag + 2; *p; ++p) {
    env += *p == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(*p)));
  }
  return env;
}

std::string Usage(const char* program) {
  std::string out = std::string("Usage: ") + program + " [options]\n\nOptions (env MICRO_<NAME>):\n";
  for (const auto& s : Specs()) {
    std::string left = "  " + std::string(s.flag) + " VALUE";
    left.resize(std::max<size_t>(left.size() + 1, 28), ' ');
    out += left + s.help;
    out += "\n";
  }
  out += "  --help                    this text\n";
  return out;
}

}  // namespace

Result<ServiceOptions> ServiceOptions::FromArgs(int argc, const char* const* argv,
                                                ServiceOptions defaults) {
  ServiceOptions o = std::move(defaults);
  for (const auto& spec : Specs()) {
    if (const char* env = std::getenv(EnvName(spec.flag).c_str())) {
      Status s = spec.set(o, env);
      if (!s.ok()) return Status::InvalidArgument(EnvName(spec.flag) + ": " + s.message());
    }
  }
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      return Status::Cancelled(Usage(argc > 0 ? argv[0] : "service"));
    }
    std::string value;
    bool has_value = false;
    if (size_t eq = arg.find('='); eq != std::string::npos && arg.starts_with("--")) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_value = true;
    }
    const OptionSpec* spec = nullptr;
    for (const auto& s : Specs()) {
      if (arg == s.flag) spec = &s;
    }
    if (spec == nullptr) {
      return Status::InvalidArgument("unknown option '" + arg + "' (see --help)");
    }
    if (!has_value) {
      if (i + 1 >= argc) return Status::InvalidArgument(arg + " needs a value");
      value = argv[++i];
    }
    MICRO_RETURN_IF_ERROR(spec->set(o, value));
  }
  if (o.name.empty()) return Status::InvalidArgument("a service name is required (--name)");
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

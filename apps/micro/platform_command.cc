// micro platform: runs the platform (the service registry now; config center, broker and
// trace store come later) until SIGTERM/SIGINT.
#include <signal.h>

#include <cstdio>

#include <spdlog/spdlog.h>

#include "commands.h"
#include "platform/platform_server.h"

namespace micro::cli {
namespace {

struct PlatformArgs {
  std::string host = "127.0.0.1";
  uint16_t port = 7700;
  size_t threads = 2;
  std::string data_dir;
  uint64_t trace_max_spans = 2000000;
  uint64_t trace_max_mb = 1024;
};

int RunPlatform(const PlatformArgs& args) {
  // Block the stop signals before any thread starts, so that only sigwait sees them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  platform::PlatformServerOptions options;
  options.host = args.host;
  options.port = args.port;
  options.http_threads = args.threads;
  options.data_dir = args.data_dir;
  options.trace_db.max_spans = args.trace_max_spans;
  options.trace_db.max_bytes = args.trace_max_mb << 20;
  platform::PlatformServer server(options);
  if (Status s = server.Start(); !s.ok()) {
    std::fprintf(stderr, "error: %s\n", s.ToString().c_str());
    return 1;
  }
  spdlog::info("micro platform listening on {} (registry: platform://{})", server.address(),
               server.address());
  spdlog::info("traces: OTLP/HTTP JSON at http://{}/v1/traces, stored {}", server.address(),
               args.data_dir.empty() ? "in memory only (no --data-dir)"
                                     : "in " + args.data_dir + "/traces.db");
  int signo = 0;
  sigwait(&stop, &signo);
  spdlog::info("micro platform: {}, shutting down", strsignal(signo));
  server.Shutdown();
  return 0;
}

}  // namespace

void AddPlatformCommand(CLI::App& app, int& exit_code) {
  static PlatformArgs args;
  auto* cmd = app.add_subcommand("platform", "Run the micro platform (service registry)");
  cmd->add_option("--host", args.host, "address to listen on")->capture_default_str();
  cmd->add_option("--port", args.port, "port to listen on (0: any free port)")
      ->capture_default_str();
  cmd->add_option("--threads", args.threads, "HTTP io threads")->capture_default_str();
  cmd->add_option("--data-dir", args.data_dir,
                  "directory for persistent state (traces.db); none: traces in memory only")
      ->envname("MICRO_PLATFORM_DATA_DIR");
  cmd->add_option("--trace-max-spans", args.trace_max_spans, "spans kept in traces.db")
      ->capture_default_str();
  cmd->add_option("--trace-max-mb", args.trace_max_mb, "span data kept in traces.db, in MiB")
      ->capture_default_str();
  cmd->callback([&exit_code] { exit_code = RunPlatform(args); });
}

}  // namespace micro::cli

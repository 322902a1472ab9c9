// bench-micro-client: closed-loop unary echo load through micro — the generated typed
// client's EchoAsync, calling the service "echo" by name (registry lookup, selector,
// cached channel), completions on the client transport's one event thread, which also
// issues each next call. Prints one JSON line (see common/load.h).
//
//   bench-micro-client --registry platform://127.0.0.1:7700 -c 64 --payload 16 --server-pid PID
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include <micro/client/client.h>
#include <micro/config/config.h>
#include <micro/governance/governance.h>
#include <micro/registry/registry.h>
#include <CLI/CLI.hpp>

#include "bench/echo.micro.h"
#include "common/load.h"

namespace {

struct Slot {
  bench::EchoReply reply;
  rpcbench::Clock::time_point start;
};

class Driver {
 public:
  Driver(bench::EchoClient echo, const bench::EchoRequest& request, int timeout_ms,
         rpcbench::LoadRun& run)
      : echo_(echo), request_(request), timeout_ms_(timeout_ms), run_(run) {}

  // The caller's Context may go once EchoAsync returns (the client keeps what it needs).
  void Issue(Slot* slot) {
    micro::Context ctx;
    if (timeout_ms_ > 0) ctx.SetTimeout(std::chrono::milliseconds(timeout_ms_));
    slot->start = rpcbench::Clock::now();
    echo_.EchoAsync(ctx, request_, &slot->reply,
                    [this, slot](micro::Status status) { OnDone(slot, status); });
  }

 private:
  void OnDone(Slot* slot, const micro::Status& status) {
    bool good = status.ok() && slot->reply.payload().size() == request_.payload().size();
    if (!good && failures_.fetch_add(1) == 0) {
      std::fprintf(stderr, "bench-micro-client: call failed: %s\n", status.ToString().c_str());
    }
    if (run_.OnComplete(slot->start, good)) {
      Issue(slot);
    } else {
      run_.Retire();
    }
  }

  bench::EchoClient echo_;
  const bench::EchoRequest& request_;
  const int timeout_ms_;
  rpcbench::LoadRun& run_;
  std::atomic<int> failures_{0};
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"micro echo load generator (typed client, by service name)"};
  rpcbench::LoadOptions options;
  std::string registry_url = "platform://127.0.0.1:7700";
  std::string service = "echo";
  int timeout_ms = 0;
  app.add_option("--registry", registry_url, "registry URL")->envname("MICRO_REGISTRY");
  app.add_option("--service", service, "service name to call");
  app.add_option("--timeout-ms", timeout_ms,
                 "deadline of each call (0: none set; the client's default timeout applies)");
  micro::client::ClientOptions client_options;
  int default_timeout_ms = static_cast<int>(client_options.default_timeout.count());
  app.add_option("--default-timeout-ms", default_timeout_ms,
                 "the client's default timeout (0: calls without a deadline have none)")
      ->capture_default_str();
  std::string config_file;
  app.add_option("--config", config_file,
                 "YAML file whose `governance` section is installed on the client "
                 "(docs/governance.md)");
  rpcbench::AddFlags(app, options);
  CLI11_PARSE(app, argc, argv);

  auto registry = micro::registry::NewRegistry(registry_url);
  if (!registry.ok()) {
    std::fprintf(stderr, "bench-micro-client: %s\n", registry.status().ToString().c_str());
    return 2;
  }
  client_options.default_timeout = std::chrono::milliseconds(default_timeout_ms);
  micro::client::Client client(std::shared_ptr<micro::registry::Registry>(std::move(*registry)),
                               client_options);
  // The client policies of a `governance` section, as a Service's Client() would get them.
  std::unique_ptr<micro::governance::Governance> governance;
  auto install = [&]() -> micro::Status {
    auto config =
        micro::config::Config::Load({.file = config_file, .env_prefix = "", .watch = false});
    if (!config.ok()) return config.status();
    auto created = micro::governance::Governance::FromConfig(
        std::shared_ptr<micro::config::Config>(std::move(*config)), client_options.selector);
    if (!created.ok()) return created.status();
    governance = std::move(*created);
    return governance->InstallClient(client);
  };
  if (!config_file.empty()) {
    if (micro::Status s = install(); !s.ok()) {
      std::fprintf(stderr, "bench-micro-client: %s\n", s.ToString().c_str());
      return 2;
    }
  }
  bench::EchoClient echo(client, service);

  bench::EchoRequest request;
  request.set_payload(std::string(static_cast<size_t>(options.payload), 'x'));

  // Until the service is registered and reachable (and the channel is connected).
  auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  for (;;) {
    auto ctx = micro::Context::WithTimeout(std::chrono::seconds(2));
    auto reply = echo.Echo(ctx, request);
    if (reply.ok()) break;
    if (std::chrono::steady_clock::now() > give_up) {
      std::fprintf(stderr, "bench-micro-client: %s\n", reply.status().ToString().c_str());
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }

  rpcbench::LoadRun run(options);
  Driver driver(echo, request, timeout_ms, run);
  std::vector<Slot> slots(static_cast<size_t>(options.concurrency));
  for (auto& slot : slots) driver.Issue(&slot);

  run.Run();
  bool drained = run.WaitRetired(std::chrono::seconds(15));
  run.PrintJson("micro");
  return drained ? 0 : 1;
}

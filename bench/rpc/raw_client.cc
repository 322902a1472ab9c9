// bench-raw-client: closed-loop unary echo load in raw gRPC C++ 1.51, the fastest way:
// the generated stub's async API on ONE completion queue polled by one thread, which
// also issues each next call; one channel (one HTTP/2 connection) with
// `grpc.minimal_stack=1`. Prints one JSON line (see common/load.h).
//
//   bench-raw-client --target 127.0.0.1:50051 -c 64 --payload 16 --server-pid PID
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <CLI/CLI.hpp>

#include "bench/echo.grpc.pb.h"
#include "common/load.h"

namespace {

struct Slot {
  std::optional<grpc::ClientContext> ctx;
  bench::EchoReply reply;
  grpc::Status status;
  std::unique_ptr<grpc::ClientAsyncResponseReader<bench::EchoReply>> reader;
  rpcbench::Clock::time_point start;
};

class Driver {
 public:
  Driver(std::shared_ptr<grpc::Channel> channel, const bench::EchoRequest& request, int timeout_ms,
         rpcbench::LoadRun& run)
      : stub_(bench::Echo::NewStub(channel)),
        request_(request),
        timeout_ms_(timeout_ms),
        run_(run) {}

  void Issue(Slot* slot) {
    slot->ctx.emplace();
    if (timeout_ms_ > 0) {
      slot->ctx->set_deadline(std::chrono::system_clock::now() +
                              std::chrono::milliseconds(timeout_ms_));
    }
    slot->start = rpcbench::Clock::now();
    slot->reader = stub_->PrepareAsyncEcho(&*slot->ctx, request_, &cq_);
    slot->reader->StartCall();
    slot->reader->Finish(&slot->reply, &slot->status, slot);
  }

  void Poll() {
    void* tag;
    bool ok;
    while (cq_.Next(&tag, &ok)) {
      auto* slot = static_cast<Slot*>(tag);
      bool good =
          ok && slot->status.ok() && slot->reply.payload().size() == request_.payload().size();
      if (!good && failures_++ == 0) {
        std::fprintf(stderr, "bench-raw-client: call failed: %d %s\n",
                     static_cast<int>(slot->status.error_code()),
                     slot->status.error_message().c_str());
      }
      if (run_.OnComplete(slot->start, good)) {
        Issue(slot);
      } else {
        run_.Retire();
      }
    }
  }

  void Shutdown() { cq_.Shutdown(); }

 private:
  std::unique_ptr<bench::Echo::Stub> stub_;
  const bench::EchoRequest& request_;
  const int timeout_ms_;
  rpcbench::LoadRun& run_;
  grpc::CompletionQueue cq_;
  int failures_ = 0;  // poller thread only
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Raw gRPC C++ echo load generator"};
  rpcbench::LoadOptions options;
  std::string target = "127.0.0.1:50051";
  int timeout_ms = 0;
  app.add_option("--target", target, "server host:port");
  app.add_option("--timeout-ms", timeout_ms, "deadline of each call (0: none)");
  std::vector<std::string> channel_args;
  app.add_option("--channel-arg", channel_args,
                 "integer channel argument key=value, repeatable (default: "
                 "grpc.minimal_stack=1)");
  rpcbench::AddFlags(app, options);
  CLI11_PARSE(app, argc, argv);

  std::map<std::string, int> int_args = {{GRPC_ARG_MINIMAL_STACK, 1}};
  for (const std::string& kv : channel_args) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos) {
      std::fprintf(stderr, "bench-raw-client: --channel-arg wants key=value, got '%s'\n",
                   kv.c_str());
      return 2;
    }
    int_args[kv.substr(0, eq)] = std::stoi(kv.substr(eq + 1));
  }
  grpc::ChannelArguments args;
  for (const auto& [key, value] : int_args) args.SetInt(key, value);
  auto channel = grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
  if (!channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10))) {
    std::fprintf(stderr, "bench-raw-client: cannot connect to %s\n", target.c_str());
    return 1;
  }

  bench::EchoRequest request;
  request.set_payload(std::string(static_cast<size_t>(options.payload), 'x'));
  rpcbench::LoadRun run(options);
  Driver driver(channel, request, timeout_ms, run);
  std::vector<Slot> slots(static_cast<size_t>(options.concurrency));
  // The first calls are issued before the poller starts: a slot is then only ever
  // touched by the thread that dequeued its completion.
  for (auto& slot : slots) driver.Issue(&slot);
  std::thread poller([&] { driver.Poll(); });

  run.Run();
  bool drained = run.WaitRetired(std::chrono::seconds(15));
  driver.Shutdown();
  poller.join();
  run.PrintJson("raw");
  return drained ? 0 : 1;
}

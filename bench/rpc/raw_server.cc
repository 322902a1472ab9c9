// bench-raw-server: the echo service in raw gRPC C++ 1.51, written the fastest way we
// found: the completion-queue async API, ONE completion queue polled by one thread that
// does all the work (in 1.51 the polling thread runs the transport too, so more threads
// or the callback API only add hand-offs), `grpc.minimal_stack=1`, calls requested ahead
// and their objects reused.
//
//   bench-raw-server --port 50051 [--requests 8] [--threads 1]
//
// Runs until SIGTERM/SIGINT.
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <CLI/CLI.hpp>

#include "bench/echo.grpc.pb.h"

namespace {

// Set before the server shuts down: answered calls are then freed, not requested again.
std::atomic<bool> g_stopping{false};

// One call slot: requested, answered, then requested again (never freed while serving).
class EchoCall {
 public:
  EchoCall(bench::Echo::AsyncService* service, grpc::ServerCompletionQueue* cq)
      : service_(service), cq_(cq) {}

  void Request() {
    ctx_.emplace();
    responder_.emplace(&*ctx_);
    answering_ = false;
    service_->RequestEcho(&*ctx_, &request_, &*responder_, cq_, cq_, this);
  }

  // Returns false when the object is done for good (the server is shutting down).
  bool OnEvent(bool ok) {
    if (!answering_) {
      if (!ok) return false;
      answering_ = true;
      reply_.set_payload(request_.payload());
      responder_->Finish(reply_, grpc::Status::OK, this);
      return true;
    }
    if (g_stopping.load(std::memory_order_relaxed)) return false;
    Request();
    return true;
  }

 private:
  bench::Echo::AsyncService* const service_;
  grpc::ServerCompletionQueue* const cq_;
  std::optional<grpc::ServerContext> ctx_;
  std::optional<grpc::ServerAsyncResponseWriter<bench::EchoReply>> responder_;
  bench::EchoRequest request_;
  bench::EchoReply reply_;
  bool answering_ = false;
};

void Poll(grpc::ServerCompletionQueue* cq) {
  void* tag;
  bool ok;
  while (cq->Next(&tag, &ok)) {
    auto* call = static_cast<EchoCall*>(tag);
    if (!call->OnEvent(ok)) delete call;
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Raw gRPC C++ echo server (async completion-queue API)"};
  int port = 0;
  int requests = 8;
  int threads = 1;
  app.add_option("--port", port, "port on 127.0.0.1 (0: any)");
  app.add_option("--requests", requests, "calls kept requested per queue")
      ->check(CLI::Range(1, 4096));
  app.add_option("--threads", threads, "completion queues, one polling thread each")
      ->check(CLI::Range(1, 64));
  CLI11_PARSE(app, argc, argv);

  // Only the main thread's sigwait sees the stop signals.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  bench::Echo::AsyncService service;
  grpc::ServerBuilder builder;
  int bound = 0;
  builder.AddListeningPort("127.0.0.1:" + std::to_string(port), grpc::InsecureServerCredentials(),
                           &bound);
  builder.AddChannelArgument(GRPC_ARG_MINIMAL_STACK, 1);
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.RegisterService(&service);
  std::vector<std::unique_ptr<grpc::ServerCompletionQueue>> cqs;
  for (int i = 0; i < threads; ++i) cqs.push_back(builder.AddCompletionQueue());
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || bound == 0) {
    std::fprintf(stderr, "bench-raw-server: cannot listen on port %d\n", port);
    return 1;
  }
  for (auto& cq : cqs) {
    for (int i = 0; i < requests; ++i) (new EchoCall(&service, cq.get()))->Request();
  }
  std::vector<std::thread> pollers;
  for (auto& cq : cqs) pollers.emplace_back(Poll, cq.get());
  std::printf("bench-raw-server listening on 127.0.0.1:%d\n", bound);
  std::fflush(stdout);

  int signo = 0;
  sigwait(&stop, &signo);
  g_stopping.store(true);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  for (auto& cq : cqs) cq->Shutdown();
  for (auto& t : pollers) t.join();
  return 0;
}

// The server of the governance integration tests: a micro::Service named "echo" serving
// micro.test.Echo (tests/support/echo_methods.h) with injectable faults, so one process of
// a cluster can be made slow, failing or overloaded. Every unary response carries the
// node id in `message`, and every injected failure names it too, so the caller can count
// which process served each attempt.
//
//   governance-server --registry platform://127.0.0.1:7700 --id echo-1
//       --fault.delay_ms=50 --fault.fail=UNAVAILABLE --fault.capacity=4   (one line)
//
// Fault flags (read and removed before ServiceOptions::FromArgs sees the rest):
//   --fault.delay_ms=N   every call takes N ms more (inside the server's policies)
//   --fault.fail=CODE    every call fails with this gRPC code (name or number)
//   --fault.capacity=N   at most N calls do their work at once, the others queue for a
//                        slot: a server with N "cores" that can be overloaded
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <micro/server/middleware.h>
#include <micro/service.h>

#include "echo.pb.h"
#include "support/echo_methods.h"
#include "support/flags.h"

namespace {

struct Faults {
  int delay_ms = 0;
  int fail_code = 0;
  int capacity = 0;
};

int ParseCode(const std::string& text) {
  static const std::map<std::string, int> kCodes = {
      {"CANCELLED", 1},           {"UNKNOWN", 2},
      {"INVALID_ARGUMENT", 3},    {"DEADLINE_EXCEEDED", 4},
      {"NOT_FOUND", 5},           {"ALREADY_EXISTS", 6},
      {"PERMISSION_DENIED", 7},   {"RESOURCE_EXHAUSTED", 8},
      {"FAILED_PRECONDITION", 9}, {"ABORTED", 10},
      {"OUT_OF_RANGE", 11},       {"UNIMPLEMENTED", 12},
      {"INTERNAL", 13},           {"UNAVAILABLE", 14},
      {"DATA_LOSS", 15},          {"UNAUTHENTICATED", 16}};
  auto it = kCodes.find(text);
  if (it != kCodes.end()) return it->second;
  return std::atoi(text.c_str());
}

// Takes the --fault.* flags out of `args`.
Faults TakeFaults(std::vector<std::string>& args) {
  Faults f;
  for (const auto& [key, value] : micro::testing::TakeFlags(args, "--fault.")) {
    if (key == "delay_ms") {
      f.delay_ms = std::atoi(value.c_str());
    } else if (key == "fail") {
      f.fail_code = ParseCode(value);
    } else if (key == "capacity") {
      f.capacity = std::atoi(value.c_str());
    } else {
      std::fprintf(stderr, "error: unknown fault flag --fault.%s\n", key.c_str());
      std::exit(2);
    }
  }
  return f;
}

// A counting semaphore: the server's fixed capacity.
class Slots {
 public:
  explicit Slots(int n) : free_(n) {}
  void Acquire() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return free_ > 0; });
    --free_;
  }
  void Release() {
    {
      std::lock_guard lock(mu_);
      ++free_;
    }
    cv_.notify_one();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int free_;
};

// Innermost interceptor (added after the Service installed its own): the faults act as the
// handler's own behaviour, behind the shedder, bulkhead and limits.
class FaultInterceptor : public micro::server::Interceptor {
 public:
  FaultInterceptor(Faults faults, std::string id)
      : faults_(faults),
        id_(std::move(id)),
        slots_(faults.capacity > 0 ? std::make_unique<Slots>(faults.capacity) : nullptr) {}

  micro::Status Intercept(micro::Context& ctx, const micro::server::CallInfo& call,
                          micro::server::Next next) override {
    if (slots_) slots_->Acquire();
    if (faults_.delay_ms > 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(faults_.delay_ms));
    micro::Status s;
    if (faults_.fail_code != 0) {
      s = micro::Status(static_cast<micro::StatusCode>(faults_.fail_code),
                        id_ + ": injected fault");
    } else {
      s = next(ctx);
      if (s.ok()) {
        if (auto* resp = call.ResponseAs<micro::test::EchoResponse>()) resp->set_message(id_);
      }
    }
    if (slots_) slots_->Release();
    return s;
  }

 private:
  Faults faults_;
  std::string id_;
  std::unique_ptr<Slots> slots_;
};

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  Faults faults = TakeFaults(args);
  std::vector<const char*> rest;
  for (const auto& a : args) rest.push_back(a.c_str());

  auto options = micro::ServiceOptions::FromArgs(static_cast<int>(rest.size()), rest.data(),
                                                 {.name = "echo", .version = "1.0.0"});
  if (!options.ok()) return micro::ExitWithUsage(options.status());

  micro::Service service(*options);
  if (auto s = micro::testing::AddEchoMethods(service.server()); !s.ok()) {
    return micro::ExitWithUsage(s);
  }
  service.server().Use(std::make_shared<FaultInterceptor>(faults, service.options().id));
  micro::Status s = service.Run();
  if (!s.ok()) return micro::ExitWithUsage(s);
  return 0;
}

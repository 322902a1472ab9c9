// AsyncCaller: asynchronous unary calls on completion queues owned by the client
// transport. Each call's `done` runs on the queue's polling thread when the call
// completes, so it must be short and must not block.
//
// Deadlines and cancellation are enforced by the transport's CallWatchdog. Destruction
// cancels the calls still in flight, runs their `done` (CANCELLED), then joins the
// threads.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <google/protobuf/message.h>
#include <grpcpp/completion_queue.h>

#include <micro/core/context.h>
#include <micro/core/status.h>

#include "transport/grpc/call_watchdog.h"
#include "transport/grpc/channel_cache.h"

namespace micro::transport::grpc_transport {

class AsyncCaller {
 public:
  AsyncCaller(size_t threads, CallWatchdog& watchdog);
  ~AsyncCaller();
  AsyncCaller(const AsyncCaller&) = delete;
  AsyncCaller& operator=(const AsyncCaller&) = delete;

  void Call(Context& ctx, ChannelEntry& channel, std::string_view address,
            std::string_view method_path, const google::protobuf::Message& request,
            google::protobuf::Message* response, std::function<void(Status)> done);

 private:
  struct Pending;
  struct Queue {
    grpc::CompletionQueue cq;
    std::thread thread;
  };

  void Poll(Queue* queue);

  CallWatchdog& watchdog_;
  std::vector<std::unique_ptr<Queue>> queues_;
  std::atomic<size_t> next_queue_{0};
  std::atomic<bool> closed_{false};
};

}  // namespace micro::transport::grpc_transport

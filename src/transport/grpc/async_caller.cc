#include "transport/grpc/async_caller.h"

#include <pthread.h>

#include <grpcpp/client_context.h>
#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/support/async_unary_call.h>

#include "transport/grpc/client_context.h"
#include "transport/grpc/status.h"
#include "transport/grpc/tsan_handoff.h"

namespace micro::transport::grpc_transport {

using Message = google::protobuf::Message;

struct AsyncCaller::Pending {
  grpc::ClientContext call;
  CallWatchdog::Entry watch;
  std::unique_ptr<grpc::ClientAsyncResponseReader<Message>> reader;
  grpc::Status status;
  std::string address;
  std::function<void(Status)> done;
};

AsyncCaller::AsyncCaller(size_t threads, CallWatchdog& watchdog) : watchdog_(watchdog) {
  for (size_t i = 0; i < threads; ++i) {
    auto queue = std::make_unique<Queue>();
    queue->thread = std::thread(&AsyncCaller::Poll, this, queue.get());
    queues_.push_back(std::move(queue));
  }
}

AsyncCaller::~AsyncCaller() {
  closed_ = true;
  watchdog_.CancelAll();
  for (auto& queue : queues_) queue->cq.Shutdown();
  for (auto& queue : queues_) queue->thread.join();
}

void AsyncCaller::Call(Context& ctx, ChannelEntry& channel, std::string_view address,
                       std::string_view method_path, const Message& request, Message* response,
                       std::function<void(Status)> done) {
  if (closed_) {
    done(Status::Unavailable(std::string(address) + ": client transport is shut down"));
    return;
  }
  auto pending = std::make_unique<Pending>();
  PrepareClientContext(ctx, &pending->call);
  pending->address = address;
  pending->done = std::move(done);
  watchdog_.Watch(&pending->watch, ctx, &pending->call);

  Queue& queue = *queues_[next_queue_.fetch_add(1, std::memory_order_relaxed) % queues_.size()];
  Pending* p = pending.release();  // owned by the queue until its completion
  auto* reader = grpc::internal::ClientAsyncResponseReaderHelper::Create<Message, Message>(
      channel.channel(), &queue.cq, channel.Method(method_path), &p->call, request);
  p->reader.reset(reader);
  Sent();
  reader->StartCall();
  HandOff(p);  // the poller owns `p` once Finish started: touch nothing of it after
  reader->Finish(response, &p->status, p);
}

void AsyncCaller::Poll(Queue* queue) {
  pthread_setname_np(pthread_self(), "micro-grpc-cli");
  void* tag;
  bool ok;
  while (queue->cq.Next(&tag, &ok)) {
    TakeOver(tag);
    Received();  // every event is a call's answer (or its failure)
    std::unique_ptr<Pending> call(static_cast<Pending*>(tag));
    bool expired = watchdog_.Unwatch(&call->watch);
    Status status =
        expired ? DeadlineStatus(call->address) : FromGrpcStatus(call->status, call->address);
    auto done = std::move(call->done);
    call.reset();
    done(std::move(status));
  }
}

}  // namespace micro::transport::grpc_transport

// ServerCore: what the call objects of one gRPC server transport share — the micro
// Server, the gRPC services they are requested from, the completion queues with their
// polling threads, and the count of live call objects that shutdown waits for.
//
// Calls are requested ahead: each queue keeps `requests_per_method` calls requested per
// registered method and for the generic service; an accepted call requests its
// replacement at once, so concurrency is never capped by the number of requests.
// Finished unary calls are reused (their messages and buffers too) rather than freed.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/server_builder.h>
#include <grpcpp/support/byte_buffer.h>

#include <micro/server/server.h>

#include "transport/grpc/method_service.h"
#include "transport/grpc/server_call.h"

namespace micro::transport::grpc_transport {

class UnaryCall;

// One server completion queue and the one thread that polls it. Every operation of a
// call completes on the queue the call was accepted on.
struct Poller {
  std::unique_ptr<grpc::ServerCompletionQueue> cq;
  std::thread thread;
  // Finished unary calls kept for reuse, per registered method; touched only by `thread`
  // while it runs, and by ~ServerCore after it stopped.
  std::vector<std::vector<UnaryCall*>> idle;
};

class ServerCore {
 public:
  // `self_enforce`: gRPC's filters that enforce the request size limit and the deadline
  // are off (minimal_stack), so the calls check both themselves.
  ServerCore(server::Server& server, size_t requests_per_method, bool self_enforce);
  ~ServerCore();
  ServerCore(const ServerCore&) = delete;
  ServerCore& operator=(const ServerCore&) = delete;

  // Registers the services and adds `queues` completion queues; before BuildAndStart.
  void AddTo(grpc::ServerBuilder& builder, size_t queues);
  // Requests the first calls and starts one polling thread per queue; after BuildAndStart.
  void Start();
  // Stops requesting replacements; call before grpc::Server::Shutdown.
  void StopRequesting() { stopping_.store(true); }
  // After grpc::Server::Shutdown returned: waits until every call object retired (so no
  // thread can start another operation), then shuts the queues down and joins the
  // pollers. Waits for handlers that are still running, however long they take.
  void Stop();

  server::Server& server() { return server_; }
  MethodService& methods() { return methods_; }
  grpc::AsyncGenericService& generic() { return generic_; }
  bool self_enforce() const { return self_enforce_; }
  // RESOURCE_EXHAUSTED when self-enforcing and `request` is over the server's limit.
  Status CheckSize(const grpc::ByteBuffer& request) const;

  // Requests one more call of registered method `index` / of the generic service.
  void RequestUnary(Poller& poller, size_t index);
  void RequestGeneric(Poller& poller);
  // A unary call whose last event arrived: kept for reuse or deleted. Poller thread.
  void Recycle(Poller& poller, size_t index, UnaryCall* call);
  // Deletes a call whose last event arrived. Poller thread.
  void Retire(ServerCall* call);

 private:
  static void Poll(Poller* poller);
  void Released();

  server::Server& server_;
  MethodService methods_;
  grpc::AsyncGenericService generic_;
  const size_t requests_per_method_;
  const bool self_enforce_;
  std::vector<std::unique_ptr<Poller>> pollers_;

  std::atomic<bool> stopping_{false};
  std::atomic<size_t> live_{0};  // call objects that may still see a queue event
  std::mutex idle_mu_;
  std::condition_variable idle_cv_;
};

}  // namespace micro::transport::grpc_transport

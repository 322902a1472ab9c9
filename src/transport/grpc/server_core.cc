#include "transport/grpc/server_core.h"

#include <pthread.h>

#include <string>

#include "transport/grpc/generic_call.h"
#include "transport/grpc/tsan_handoff.h"
#include "transport/grpc/unary_call.h"

namespace micro::transport::grpc_transport {

namespace {

// Idle unary calls kept per method and queue; beyond it finished calls are freed.
constexpr size_t kMaxIdlePerMethod = 256;

}  // namespace

ServerCore::ServerCore(server::Server& server, size_t requests_per_method, bool self_enforce)
    : server_(server),
      methods_(server),
      requests_per_method_(requests_per_method),
      self_enforce_(self_enforce) {}

Status ServerCore::CheckSize(const grpc::ByteBuffer& request) const {
  if (!self_enforce_) return {};
  size_t size = request.Length();
  size_t limit = server_.options().max_request_bytes;
  if (size <= limit) return {};
  return Status::ResourceExhausted("request of " + std::to_string(size) +
                                   " bytes is over the server's limit of " + std::to_string(limit));
}

ServerCore::~ServerCore() {
  for (auto& poller : pollers_) {
    for (auto& idle : poller->idle) {
      for (UnaryCall* call : idle) delete call;
    }
  }
}

void ServerCore::AddTo(grpc::ServerBuilder& builder, size_t queues) {
  if (methods_.size() > 0) builder.RegisterService(&methods_);
  builder.RegisterAsyncGenericService(&generic_);
  for (size_t i = 0; i < queues; ++i) {
    auto poller = std::make_unique<Poller>();
    poller->cq = builder.AddCompletionQueue();
    poller->idle.resize(methods_.size());
    pollers_.push_back(std::move(poller));
  }
}

void ServerCore::Start() {
  for (auto& poller : pollers_) {
    for (size_t n = 0; n < requests_per_method_; ++n) {
      for (size_t i = 0; i < methods_.size(); ++i) RequestUnary(*poller, i);
      RequestGeneric(*poller);
    }
  }
  for (auto& poller : pollers_) poller->thread = std::thread(Poll, poller.get());
}

void ServerCore::Poll(Poller* poller) {
  pthread_setname_np(pthread_self(), "micro-grpc-cq");
  void* tag;
  bool ok;
  while (poller->cq->Next(&tag, &ok)) {
    auto* t = static_cast<Tag*>(tag);
    TakeOver(t->call);
    t->call->OnEvent(t->op, ok);
  }
}

void ServerCore::RequestUnary(Poller& poller, size_t index) {
  if (stopping_.load(std::memory_order_relaxed)) return;
  UnaryCall* call;
  auto& idle = poller.idle[index];
  if (!idle.empty()) {
    call = idle.back();
    idle.pop_back();
  } else {
    call = new UnaryCall(this, &poller, index);
  }
  live_.fetch_add(1, std::memory_order_relaxed);
  call->Request();
}

void ServerCore::RequestGeneric(Poller& poller) {
  if (stopping_.load(std::memory_order_relaxed)) return;
  auto* call = new GenericCall(this, &poller);
  live_.fetch_add(1, std::memory_order_relaxed);
  call->Request();
}

void ServerCore::Recycle(Poller& poller, size_t index, UnaryCall* call) {
  auto& idle = poller.idle[index];
  if (stopping_.load(std::memory_order_relaxed) || idle.size() >= kMaxIdlePerMethod) {
    delete call;
  } else {
    call->Reset();
    idle.push_back(call);
  }
  Released();
}

void ServerCore::Retire(ServerCall* call) {
  delete call;
  Released();
}

void ServerCore::Released() {
  if (live_.fetch_sub(1, std::memory_order_acq_rel) == 1 && stopping_.load()) {
    std::lock_guard lock(idle_mu_);
    idle_cv_.notify_all();
  }
}

void ServerCore::Stop() {
  stopping_.store(true);
  {
    std::unique_lock lock(idle_mu_);
    idle_cv_.wait(lock, [&] { return live_.load(std::memory_order_acquire) == 0; });
  }
  for (auto& poller : pollers_) poller->cq->Shutdown();
  for (auto& poller : pollers_) {
    if (poller->thread.joinable()) {
      poller->thread.join();
    } else {  // never started: a queue must still be drained before it is destroyed
      void* tag;
      bool ok;
      while (poller->cq->Next(&tag, &ok)) {
      }
    }
  }
}

}  // namespace micro::transport::grpc_transport

// What an outgoing gRPC call takes from the caller's micro::Context: the deadline, the
// forwardable metadata, the trace context — and cancellation, through a CancelLink.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>

#include <grpcpp/client_context.h>

#include <micro/core/context.h>

namespace micro::transport::grpc_transport {

// Sets `call`'s deadline and initial metadata from `ctx`. Hop-by-hop keys are not
// forwarded; keys or values gRPC would reject (which would abort the process inside
// gRPC) are skipped.
void PrepareClientContext(const Context& ctx, grpc::ClientContext* call);

// Cancels a gRPC call when its micro Context is cancelled, from whichever thread cancels,
// until Unlink(). Unlink() before destroying the ClientContext.
class CancelLink {
 public:
  CancelLink() = default;
  CancelLink(const CancelLink&) = delete;
  CancelLink& operator=(const CancelLink&) = delete;
  ~CancelLink() { Unlink(); }

  // `ctx` must stay alive until Unlink(); pass a copy of the caller's Context when the
  // caller's may go away first (copies share cancellation).
  void Link(Context& ctx, grpc::ClientContext* call);
  void Unlink();

 private:
  // Shared with the callback, which may still be running on the cancelling thread when
  // Unlink() returns from RemoveOnCancel: it only touches the call under `mu`.
  struct Target {
    std::mutex mu;
    grpc::ClientContext* call;
  };
  Context* ctx_ = nullptr;
  std::shared_ptr<Target> target_;
  uint64_t handle_ = 0;
};

}  // namespace micro::transport::grpc_transport

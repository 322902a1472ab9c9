// The base of the per-call state machines (unary_call.h, generic_call.h) and the tag
// they post on a completion queue.
#pragma once

#include <cstdint>

namespace micro::transport::grpc_transport {

class ServerCall;

// A completion-queue tag: the call and which of its operations completed. Tags are
// members of their call, so starting an operation allocates nothing.
struct Tag {
  ServerCall* call;
  uint8_t op;
};

class ServerCall {
 public:
  virtual ~ServerCall() = default;
  // One operation of this call completed. Always on the thread polling the queue the call
  // was accepted on, so a call's state needs no lock against its own events.
  virtual void OnEvent(uint8_t op, bool ok) = 0;
};

}  // namespace micro::transport::grpc_transport

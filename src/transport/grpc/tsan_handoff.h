// Happens-before edges that TSan cannot see through gRPC, for ThreadSanitizer.
//
// gRPC's own synchronisation lives in a library TSan does not instrument (Debian's), and
// ignore_noninstrumented_modules=1 makes TSan skip the interceptors (locks, send, recv)
// that library calls. Two kinds of edges go missing; these annotations draw them. All
// are no-ops unless built with -fsanitize=thread.
//
// Completion queues. A call object is handed between threads through gRPC: a worker
// starts an operation, the poller thread later receives its event. HandOff() before
// starting an operation, TakeOver() after its event was dequeued.
//
// HandOff is the last access to the object before the operation starts: read every
// member the operation takes (`*response_`, `*writer_`) into a local first. A member read
// as an argument of the start call happens after the release, so TSan (rightly, for the
// annotation) orders nothing between it and the poller reusing or freeing the object:
//
//   const Message& response = *response_;
//   HandOff(this);
//   writer.Finish(response, grpc::Status::OK, &finished_tag_);  // not Finish(*response_, ...)
//
// The wire. When client and server share a process (tests, a service calling itself), what
// a thread did before it sent a message happens before what the receiver does once the
// message arrived. TSan draws this edge itself for any socket an instrumented caller uses
// (its send/recv interceptors release and acquire one sync object shared by all sockets,
// tsan_fd.cpp `socksync`; the HTTP transport gets it that way), but not for gRPC's. Sent()
// before a message or a call leaves, Received() after one arrived: the same edge, as
// coarse as TSan's own.
#pragma once

#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#endif

namespace micro::transport::grpc_transport {

#if defined(__SANITIZE_THREAD__)
inline void HandOff(void* object) { __tsan_release(object); }
inline void TakeOver(void* object) { __tsan_acquire(object); }
// The address stands for every gRPC connection of the process.
inline void* Wire() {
  static char wire;
  return &wire;
}
inline void Sent() { __tsan_release(Wire()); }
inline void Received() { __tsan_acquire(Wire()); }
#else
inline void HandOff(void*) {}
inline void TakeOver(void*) {}
inline void Sent() {}
inline void Received() {}
#endif

}  // namespace micro::transport::grpc_transport

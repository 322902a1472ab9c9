// Happens-before edges through gRPC's completion queues, for ThreadSanitizer.
//
// A call object is handed between threads through gRPC: a worker starts an operation, the
// poller thread later receives its event. gRPC's own synchronisation lives in a library
// TSan does not instrument (Debian's), so without these annotations TSan reports every
// such handoff as a race. HandOff() before starting an operation, TakeOver() after its
// event was dequeued. No-ops unless built with -fsanitize=thread.
#pragma once

#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#endif

namespace micro::transport::grpc_transport {

#if defined(__SANITIZE_THREAD__)
inline void HandOff(void* object) { __tsan_release(object); }
inline void TakeOver(void* object) { __tsan_acquire(object); }
#else
inline void HandOff(void*) {}
inline void TakeOver(void*) {}
#endif

}  // namespace micro::transport::grpc_transport

// The services every micro process serves beside its own, as ordinary Methods on a
// Server (so every transport serves them):
//
//   grpc.health.v1.Health            Check (unary) and Watch (server-streaming), answered
//                                    from HealthState — grpc_health_probe, Kubernetes
//                                    gRPC probes and load balancers understand it.
//   grpc.reflection.v1alpha.ServerReflection and grpc.reflection.v1.ServerReflection
//                                    ServerReflectionInfo (bidi): lists services and
//                                    returns the descriptors of every .proto linked into
//                                    the binary — grpcurl, grpcui and Postman use it.
//
//   micro::server::Server server;
//   micro::server::HealthState health;
//   RegisterMyService(server, ...);
//   if (auto s = micro::server::AddHealthService(server, health); !s.ok()) return s;
//   if (auto s = micro::server::AddReflectionService(server); !s.ok()) return s;
//
// Call both before transports start (as for any AddMethod). `health` must outlive
// `server`. The binary must not also link gRPC's grpc++_reflection library: it defines
// the same protobuf message names.
#pragma once

#include <micro/core/status.h>
#include <micro/server/health.h>
#include <micro/server/server.h>

namespace micro::server {

// Check answers SERVING / NOT_SERVING for "" (the process) and for each service added to
// `health`, and NOT_FOUND for other names, as the protocol asks. Watch sends the current
// status, then each change, until the call is cancelled; it ends (OK) once the process
// starts draining, so that health watchers do not hold up a graceful shutdown.
// Check runs inline on the transport thread (kNonBlocking); Watch on the worker pool.
Status AddHealthService(Server& server, HealthState& health);

// Resolves symbols and files in google::protobuf::DescriptorPool::generated_pool();
// each answer carries the requested file and its transitive dependencies.
Status AddReflectionService(Server& server);

}  // namespace micro::server

#include "transport/grpc/method_service.h"

#include <grpcpp/impl/rpc_service_method.h>

namespace micro::transport::grpc_transport {

MethodService::MethodService(const server::Server& server) {
  for (const server::Method* method : server.Methods()) {
    if (method->kind != server::MethodKind::kUnary) continue;
    paths_.push_back(method->Path());
    AddMethod(new grpc::internal::RpcServiceMethod(paths_.back().c_str(),
                                                   grpc::internal::RpcMethod::NORMAL_RPC, nullptr));
    MarkMethodAsync(static_cast<int>(methods_.size()));
    methods_.push_back(method);
  }
}

}  // namespace micro::transport::grpc_transport

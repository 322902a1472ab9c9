// grpc.reflection.v1alpha and grpc.reflection.v1 ServerReflection over the generated
// descriptor pool. The two versions have the same messages under different packages, so
// one template serves both.
#include <string>
#include <unordered_set>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>

#include <micro/server/builtin.h>

#include "grpc/reflection/v1/reflection.pb.h"
#include "grpc/reflection/v1alpha/reflection.pb.h"

namespace micro::server {

namespace {

namespace pb = google::protobuf;

// Appends `file` and, depth first, the files it imports, skipping files already in this
// answer (as gRPC's own reflection service does).
template <typename FileResponse>
void AddFileWithDeps(const pb::FileDescriptor* file, std::unordered_set<std::string>* seen,
                     FileResponse* out) {
  if (!seen->insert(file->name()).second) return;
  pb::FileDescriptorProto proto;
  file->CopyTo(&proto);
  proto.SerializeToString(out->add_file_descriptor_proto());
  for (int i = 0; i < file->dependency_count(); ++i) {
    AddFileWithDeps(file->dependency(i), seen, out);
  }
}

template <typename Response>
void SetError(Response* response, StatusCode code, const std::string& message) {
  response->mutable_error_response()->set_error_code(static_cast<int>(code));
  response->mutable_error_response()->set_error_message(message);
}

template <typename Request, typename Response>
void Answer(const Server& server, const Request& request, Response* response) {
  const pb::DescriptorPool* pool = pb::DescriptorPool::generated_pool();
  response->set_valid_host(request.host());
  *response->mutable_original_request() = request;
  std::unordered_set<std::string> seen;

  const pb::FileDescriptor* file = nullptr;
  std::string not_found;
  switch (request.message_request_case()) {
    case Request::kListServices:
      for (const std::string& name : server.Services()) {
        response->mutable_list_services_response()->add_service()->set_name(name);
      }
      return;
    case Request::kFileByFilename:
      file = pool->FindFileByName(request.file_by_filename());
      not_found = "file not found: " + request.file_by_filename();
      break;
    case Request::kFileContainingSymbol:
      file = pool->FindFileContainingSymbol(request.file_containing_symbol());
      not_found = "symbol not found: " + request.file_containing_symbol();
      break;
    case Request::kFileContainingExtension: {
      const auto& ext = request.file_containing_extension();
      const pb::Descriptor* type = pool->FindMessageTypeByName(ext.containing_type());
      const pb::FieldDescriptor* field =
          type == nullptr ? nullptr : pool->FindExtensionByNumber(type, ext.extension_number());
      if (field != nullptr) file = field->file();
      not_found = "extension not found: " + ext.containing_type() + " " +
                  std::to_string(ext.extension_number());
      break;
    }
    case Request::kAllExtensionNumbersOfType: {
      const pb::Descriptor* type =
          pool->FindMessageTypeByName(request.all_extension_numbers_of_type());
      if (type == nullptr) {
        SetError(response, StatusCode::kNotFound,
                 "type not found: " + request.all_extension_numbers_of_type());
        return;
      }
      std::vector<const pb::FieldDescriptor*> extensions;
      pool->FindAllExtensions(type, &extensions);
      auto* numbers = response->mutable_all_extension_numbers_response();
      numbers->set_base_type_name(type->full_name());
      for (const auto* field : extensions) numbers->add_extension_number(field->number());
      return;
    }
    default:
      SetError(response, StatusCode::kUnimplemented, "unsupported reflection request");
      return;
  }
  if (file == nullptr) {
    SetError(response, StatusCode::kNotFound, not_found);
    return;
  }
  AddFileWithDeps(file, &seen, response->mutable_file_descriptor_response());
}

template <typename Request, typename Response>
Status AddVersion(Server& server, const std::string& package) {
  Method method;
  method.service = package + ".ServerReflection";
  method.name = "ServerReflectionInfo";
  method.kind = MethodKind::kBidiStreaming;
  method.request_prototype = &Request::default_instance();
  method.response_prototype = &Response::default_instance();
  method.stream = [&server](Context&, ServerStream& stream) {
    Request request;
    while (stream.Read(&request)) {
      Response response;
      Answer(server, request, &response);
      if (!stream.Write(response)) break;
    }
    return Status();
  };
  return server.AddMethod(std::move(method));
}

}  // namespace

Status AddReflectionService(Server& server) {
  MICRO_RETURN_IF_ERROR((AddVersion<grpc::reflection::v1alpha::ServerReflectionRequest,
                                    grpc::reflection::v1alpha::ServerReflectionResponse>(
      server, "grpc.reflection.v1alpha")));
  return AddVersion<grpc::reflection::v1::ServerReflectionRequest,
                    grpc::reflection::v1::ServerReflectionResponse>(server, "grpc.reflection.v1");
}

}  // namespace micro::server

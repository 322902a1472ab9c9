#include <map>
#include <string>

#include "emit.h"

namespace micro::codegen {

namespace {

using Vars = std::map<std::string, std::string>;

Vars MethodVars(const ServiceModel& service, const MethodModel& m) {
  return {{"name", m.name},
          {"path", m.path},
          {"req", m.request_type},
          {"resp", m.response_type},
          {"full", service.full_name},
          {"kind", m.KindEnumerator()},
          {"execution", m.non_blocking ? "kNonBlocking" : "kBlocking"},
          {"cls", service.client_class}};
}

// One Method: the entry points cast the type-erased messages with static_cast, which is
// safe because transports build them from the prototypes set here.
void EmitMethodRegistration(const ServiceModel& service, const MethodModel& m,
                            google::protobuf::io::Printer* out) {
  Vars v = MethodVars(service, m);
  out->Print(v,
             "{\n"
             "  ::micro::server::Method method;\n"
             "  method.service = \"$full$\";\n"
             "  method.name = \"$name$\";\n"
             "  method.kind = ::micro::server::MethodKind::$kind$;\n"
             "  method.execution = ::micro::server::Execution::$execution$;\n"
             "  method.request_prototype = &$req$::default_instance();\n"
             "  method.response_prototype = &$resp$::default_instance();\n");
  out->Indent();
  if (m.unary()) {
    out->Print(v,
               "method.unary = [handler](::micro::Context& ctx,\n"
               "                         const ::google::protobuf::Message& request,\n"
               "                         ::google::protobuf::Message* response) {\n"
               "  assert(request.GetDescriptor() == $req$::descriptor());\n"
               "  assert(response->GetDescriptor() == $resp$::descriptor());\n"
               "  return handler->$name$(ctx, static_cast<const $req$&>(request),\n"
               "                         static_cast<$resp$*>(response));\n"
               "};\n");
  } else if (m.server_streaming && !m.client_streaming) {
    out->Print(v,
               "method.stream = [handler](::micro::Context& ctx,\n"
               "                          ::micro::server::ServerStream& stream) {\n"
               "  $req$ request;\n"
               "  if (!stream.Read(&request)) {\n"
               "    if (ctx.cancelled()) {\n"
               "      return ::micro::Status::Cancelled(\"$path$: call cancelled\");\n"
               "    }\n"
               "    return ::micro::Status::InvalidArgument(\n"
               "        \"$path$: the client sent no request message\");\n"
               "  }\n"
               "  ::micro::ServerWriter<$resp$> writer(stream);\n"
               "  return handler->$name$(ctx, request, writer);\n"
               "};\n");
  } else if (m.client_streaming && !m.server_streaming) {
    out->Print(v,
               "method.stream = [handler](::micro::Context& ctx,\n"
               "                          ::micro::server::ServerStream& stream) {\n"
               "  ::micro::ServerReader<$req$> reader(stream);\n"
               "  $resp$ response;\n"
               "  ::micro::Status status = handler->$name$(ctx, reader, &response);\n"
               "  if (!status.ok()) return status;\n"
               "  if (!stream.Write(response)) {\n"
               "    return ::micro::Status::Cancelled(\n"
               "        \"$path$: the call ended before the response was sent\");\n"
               "  }\n"
               "  return status;\n"
               "};\n");
  } else {
    out->Print(v,
               "method.stream = [handler](::micro::Context& ctx,\n"
               "                          ::micro::server::ServerStream& stream) {\n"
               "  ::micro::ServerReaderWriter<$req$, $resp$> typed(stream);\n"
               "  return handler->$name$(ctx, typed);\n"
               "};\n");
  }
  out->Print("methods.push_back(::std::move(method));\n");
  out->Outdent();
  out->Print("}\n");
}

void EmitRegister(const ServiceModel& service, google::protobuf::io::Printer* out) {
  out->Print(
      "::micro::Status $register$(::micro::server::Server& server,\n"
      "    ::std::shared_ptr<$cls$> handler) {\n"
      "  if (handler == nullptr) {\n"
      "    return ::micro::Status::InvalidArgument(\"$register$: the handler is null\");\n"
      "  }\n"
      "  ::std::vector<::micro::server::Method> methods;\n"
      "  methods.reserve($count$);\n",
      "register", service.register_fn, "cls", service.handler_class, "count",
      std::to_string(service.methods.size()));
  out->Indent();
  for (const MethodModel& m : service.methods) EmitMethodRegistration(service, m, out);
  out->Print(
      "// Check every path first so that a clash leaves the server as it was.\n"
      "for (const ::micro::server::Method& method : methods) {\n"
      "  ::std::string path = method.Path();\n"
      "  const ::micro::server::Method* taken = server.Find(path);\n"
      "  if (taken != nullptr && taken->Path() == path) {\n"
      "    return ::micro::Status::AlreadyExists(path + \" is already registered\");\n"
      "  }\n"
      "}\n"
      "for (::micro::server::Method& method : methods) {\n"
      "  MICRO_RETURN_IF_ERROR(server.AddMethod(::std::move(method)));\n"
      "}\n"
      "return ::micro::Status();\n");
  out->Outdent();
  out->Print("}\n\n");
}

void EmitClientMethods(const ServiceModel& service, google::protobuf::io::Printer* out) {
  for (const MethodModel& m : service.methods) {
    Vars v = MethodVars(service, m);
    // Paths are built once and never destroyed, so no call allocates one and calls made
    // during static destruction still work.
    if (m.unary()) {
      out->Print(v,
                 "::micro::Result<$resp$> $cls$::$name$(::micro::Context& ctx,\n"
                 "    const $req$& request, const ::micro::client::CallOptions& options) const {\n"
                 "  static const ::std::string* const kPath = new ::std::string(\"$path$\");\n"
                 "  $resp$ response;\n"
                 "  ::micro::Status status =\n"
                 "      client_->Call(ctx, service_name_, *kPath, request, &response, options);\n"
                 "  if (!status.ok()) return status;\n"
                 "  return response;\n"
                 "}\n"
                 "\n"
                 "void $cls$::$name$Async(::micro::Context& ctx, const $req$& request,\n"
                 "    $resp$* response, ::std::function<void(::micro::Status)> done,\n"
                 "    const ::micro::client::CallOptions& options) const {\n"
                 "  static const ::std::string* const kPath = new ::std::string(\"$path$\");\n"
                 "  client_->CallAsync(ctx, service_name_, *kPath, request, response,\n"
                 "                     ::std::move(done), options);\n"
                 "}\n\n");
    } else if (m.server_streaming && !m.client_streaming) {
      out->Print(v,
                 "::micro::Result<::micro::ClientReader<$resp$>> $cls$::$name$(\n"
                 "    ::micro::Context& ctx, const $req$& request,\n"
                 "    const ::micro::client::CallOptions& options) const {\n"
                 "  static const ::std::string* const kPath = new ::std::string(\"$path$\");\n"
                 "  auto stream = client_->OpenStream(ctx, service_name_, *kPath, options);\n"
                 "  if (!stream.ok()) return stream.status();\n"
                 "  // A failed write means the call is over; Read() and Finish() report why.\n"
                 "  if ((*stream)->Write(request)) (*stream)->WritesDone();\n"
                 "  return ::micro::ClientReader<$resp$>(::std::move(*stream));\n"
                 "}\n\n");
    } else if (m.client_streaming && !m.server_streaming) {
      out->Print(v,
                 "::micro::Result<::micro::ClientWriter<$req$, $resp$>> $cls$::$name$(\n"
                 "    ::micro::Context& ctx, const ::micro::client::CallOptions& options) const {\n"
                 "  static const ::std::string* const kPath = new ::std::string(\"$path$\");\n"
                 "  auto stream = client_->OpenStream(ctx, service_name_, *kPath, options);\n"
                 "  if (!stream.ok()) return stream.status();\n"
                 "  return ::micro::ClientWriter<$req$, $resp$>(::std::move(*stream));\n"
                 "}\n\n");
    } else {
      out->Print(v,
                 "::micro::Result<::micro::ClientReaderWriter<$req$, $resp$>> $cls$::$name$(\n"
                 "    ::micro::Context& ctx, const ::micro::client::CallOptions& options) const {\n"
                 "  static const ::std::string* const kPath = new ::std::string(\"$path$\");\n"
                 "  auto stream = client_->OpenStream(ctx, service_name_, *kPath, options);\n"
                 "  if (!stream.ok()) return stream.status();\n"
                 "  return ::micro::ClientReaderWriter<$req$, $resp$>(::std::move(*stream));\n"
                 "}\n\n");
    }
  }
}

}  // namespace

void EmitSource(const FileModel& file, google::protobuf::io::Printer* out) {
  out->Print(
      "// Generated by protoc-gen-micro from $proto$. DO NOT EDIT.\n"
      "#include \"$stem$.micro.h\"\n"
      "\n"
      "#include <cassert>\n"
      "#include <string>\n"
      "#include <utility>\n"
      "#include <vector>\n"
      "\n",
      "proto", file.proto_name, "stem", file.stem);
  OpenNamespace(file, out);
  for (const ServiceModel& service : file.services) {
    EmitRegister(service, out);
    EmitClientMethods(service, out);
  }
  CloseNamespace(file, out);
}

}  // namespace micro::codegen

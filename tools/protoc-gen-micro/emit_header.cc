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
          {"service", service.name}};
}

void EmitHandler(const ServiceModel& service, google::protobuf::io::Printer* out) {
  EmitComments(service.comments, out);
  out->Print(
      "// The server side of $full$: implement one member per rpc and pass the object to\n"
      "// $register$(). Members are called concurrently from many threads.\n"
      "class $cls$ {\n"
      " public:\n"
      "  virtual ~$cls$() = default;\n",
      "full", service.full_name, "register", service.register_fn, "cls", service.handler_class);
  out->Indent();
  for (const MethodModel& m : service.methods) {
    Vars v = MethodVars(service, m);
    out->Print("\n");
    EmitComments(m.comments, out);
    if (m.non_blocking) {
      out->Print(
          "// (micro.non_blocking): runs inline on a transport event thread; must not block.\n");
    }
    if (m.unary()) {
      out->Print(v,
                 "virtual ::micro::Status $name$(::micro::Context& ctx, const $req$& request,\n"
                 "    $resp$* response) = 0;\n");
    } else if (m.server_streaming && !m.client_streaming) {
      out->Print(v,
                 "virtual ::micro::Status $name$(::micro::Context& ctx, const $req$& request,\n"
                 "    ::micro::ServerWriter<$resp$>& writer) = 0;\n");
    } else if (m.client_streaming && !m.server_streaming) {
      out->Print(v,
                 "// The response is sent when this returns OK.\n"
                 "virtual ::micro::Status $name$(::micro::Context& ctx,\n"
                 "    ::micro::ServerReader<$req$>& reader, $resp$* response) = 0;\n");
    } else {
      out->Print(v,
                 "virtual ::micro::Status $name$(::micro::Context& ctx,\n"
                 "    ::micro::ServerReaderWriter<$req$, $resp$>& stream) = 0;\n");
    }
  }
  out->Outdent();
  out->Print("};\n\n");

  out->Print(
      "// Registers every method of $full$ on `server` (before its transports start).\n"
      "// ALREADY_EXISTS, with nothing registered, when one of its paths is taken;\n"
      "// INVALID_ARGUMENT for a null handler.\n"
      "::micro::Status $register$(::micro::server::Server& server,\n"
      "    ::std::shared_ptr<$cls$> handler);\n\n",
      "full", service.full_name, "register", service.register_fn, "cls", service.handler_class);
}

void EmitClient(const ServiceModel& service, google::protobuf::io::Printer* out) {
  out->Print(
      "// Calls $full$ by service name through a ::micro::client::Client (resolution,\n"
      "// load balancing, deadlines and metadata are the Client's). Cheap to create and\n"
      "// copy; thread-safe like the Client, which must outlive it.\n"
      "class $cls$ {\n"
      " public:\n"
      "  static constexpr const char* kFullName = \"$full$\";\n"
      "  static constexpr const char* kDefaultServiceName = \"$default$\";\n"
      "\n"
      "  explicit $cls$(::micro::client::Client& client,\n"
      "      ::std::string service_name = kDefaultServiceName)\n"
      "      : client_(&client), service_name_(::std::move(service_name)) {}\n"
      "\n"
      "  // The registry name calls go to.\n"
      "  const ::std::string& service_name() const { return service_name_; }\n",
      "full", service.full_name, "cls", service.client_class, "default", service.default_name);
  out->Indent();
  for (const MethodModel& m : service.methods) {
    Vars v = MethodVars(service, m);
    out->Print("\n");
    EmitComments(m.comments, out);
    if (m.unary()) {
      out->Print(v,
                 "::micro::Result<$resp$> $name$(::micro::Context& ctx, const $req$& request,\n"
                 "    const ::micro::client::CallOptions& options = {}) const;\n"
                 "// Returns at once; `done` runs on a client event thread (keep it short).\n"
                 "// `request` and `response` must outlive the call.\n"
                 "void $name$Async(::micro::Context& ctx, const $req$& request,\n"
                 "    $resp$* response, ::std::function<void(::micro::Status)> done,\n"
                 "    const ::micro::client::CallOptions& options = {}) const;\n");
    } else if (m.server_streaming && !m.client_streaming) {
      out->Print(v,
                 "// Opens the stream and sends `request`; read replies until Read() is false,\n"
                 "// then Finish(). A failure after the stream opened shows in Finish().\n"
                 "::micro::Result<::micro::ClientReader<$resp$>> $name$(::micro::Context& ctx,\n"
                 "    const $req$& request, const ::micro::client::CallOptions& options = {}) "
                 "const;\n");
    } else if (m.client_streaming && !m.server_streaming) {
      out->Print(v,
                 "// Write() the requests, then Finish(&response).\n"
                 "::micro::Result<::micro::ClientWriter<$req$, $resp$>> $name$(\n"
                 "    ::micro::Context& ctx, const ::micro::client::CallOptions& options = {}) "
                 "const;\n");
    } else {
      out->Print(v,
                 "::micro::Result<::micro::ClientReaderWriter<$req$, $resp$>> $name$(\n"
                 "    ::micro::Context& ctx, const ::micro::client::CallOptions& options = {}) "
                 "const;\n");
    }
  }
  out->Outdent();
  out->Print(
      "\n"
      " private:\n"
      "  ::micro::client::Client* client_;\n"
      "  ::std::string service_name_;\n"
      "};\n\n");
}

}  // namespace

void EmitHeader(const FileModel& file, google::protobuf::io::Printer* out) {
  out->Print(
      "// Generated by protoc-gen-micro from $proto$. DO NOT EDIT.\n"
      "// Handler interfaces, registration functions and typed clients; see docs/codegen.md.\n"
      "#pragma once\n"
      "\n"
      "#include <functional>\n"
      "#include <memory>\n"
      "#include <string>\n"
      "#include <utility>\n"
      "\n"
      "#include <micro/client/client.h>\n"
      "#include <micro/client/stream.h>\n"
      "#include <micro/core/context.h>\n"
      "#include <micro/core/result.h>\n"
      "#include <micro/core/status.h>\n"
      "#include <micro/server/server.h>\n"
      "#include <micro/server/stream.h>\n"
      "\n",
      "proto", file.proto_name);
  for (const std::string& header : file.pb_headers) {
    out->Print("#include \"$h$\"\n", "h", header);
  }
  out->Print("\n");
  OpenNamespace(file, out);
  if (file.services.empty())
    out->Print("// $proto$ declares no services.\n\n", "proto", file.proto_name);
  for (const ServiceModel& service : file.services) {
    EmitHandler(service, out);
    EmitClient(service, out);
  }
  CloseNamespace(file, out);
}

}  // namespace micro::codegen

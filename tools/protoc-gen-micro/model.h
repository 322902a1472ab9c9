// What protoc-gen-micro generates from, decoupled from protobuf's descriptors: every name
// the emitters print is computed and checked here, once, so the emitters only format.
#pragma once

#include <string>
#include <vector>

#include <google/protobuf/descriptor.h>

namespace micro::codegen {

struct MethodModel {
  std::string name;           // "SayHello"
  std::string path;           // "/helloworld.Greeter/SayHello"
  std::string request_type;   // "::helloworld::HelloRequest"
  std::string response_type;  // "::helloworld::HelloReply"
  bool client_streaming = false;
  bool server_streaming = false;
  bool non_blocking = false;  // (micro.non_blocking)
  bool idempotent = false;    // (micro.idempotent)
  std::string comments;       // the rpc's leading comments, one line per entry of "\n"

  bool unary() const { return !client_streaming && !server_streaming; }
  // "kUnary", "kServerStreaming", ... (micro::server::MethodKind).
  std::string KindEnumerator() const;
};

struct ServiceModel {
  std::string name;           // "Greeter"
  std::string full_name;      // "helloworld.Greeter"
  std::string default_name;   // "greeter": the name clients call by default
  std::string handler_class;  // "GreeterHandler"
  std::string client_class;   // "GreeterClient"
  std::string register_fn;    // "RegisterGreeter"
  std::string comments;
  std::vector<MethodModel> methods;
};

struct FileModel {
  std::string proto_name;     // "helloworld/greeter.proto"
  std::string stem;           // "helloworld/greeter"
  std::string cpp_namespace;  // "helloworld" or "a::b::c"; empty without a package
  // The .pb.h of this file and of every file whose messages its methods use.
  std::vector<std::string> pb_headers;
  std::vector<ServiceModel> services;
};

// Builds the model of `file`. False with a message for protoc (naming the service and rpc;
// protoc adds the file) when the file asks for something the generator cannot produce.
bool BuildFileModel(const google::protobuf::FileDescriptor* file, FileModel* model,
                    std::string* error);

}  // namespace micro::codegen

// protoc-gen-micro's CodeGenerator: for each .proto it writes <stem>.micro.h and
// <stem>.micro.cc beside protoc's <stem>.pb.h (both files always, so that build rules can
// list them for every proto, services or not).
#pragma once

#include <cstdint>
#include <string>

#include <google/protobuf/compiler/code_generator.h>

namespace micro::codegen {

class MicroGenerator : public google::protobuf::compiler::CodeGenerator {
 public:
  // google::protobuf::compiler::CodeGenerator
  bool Generate(const google::protobuf::FileDescriptor* file, const std::string& parameter,
                google::protobuf::compiler::GeneratorContext* context,
                std::string* error) const override;
  uint64_t GetSupportedFeatures() const override { return FEATURE_PROTO3_OPTIONAL; }
};

}  // namespace micro::codegen

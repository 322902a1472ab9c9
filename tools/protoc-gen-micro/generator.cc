#include "generator.h"

#include <memory>

#include <google/protobuf/io/printer.h>
#include <google/protobuf/io/zero_copy_stream.h>

#include "emit.h"
#include "model.h"

namespace micro::codegen {

bool MicroGenerator::Generate(const google::protobuf::FileDescriptor* file,
                              const std::string& parameter,
                              google::protobuf::compiler::GeneratorContext* context,
                              std::string* error) const {
  if (!parameter.empty()) {
    *error = "protoc-gen-micro takes no parameters (got '" + parameter + "')";
    return false;
  }
  FileModel model;
  if (!BuildFileModel(file, &model, error)) return false;

  {
    std::unique_ptr<google::protobuf::io::ZeroCopyOutputStream> out(
        context->Open(model.stem + ".micro.h"));
    google::protobuf::io::Printer printer(out.get(), '$');
    EmitHeader(model, &printer);
  }
  {
    std::unique_ptr<google::protobuf::io::ZeroCopyOutputStream> out(
        context->Open(model.stem + ".micro.cc"));
    google::protobuf::io::Printer printer(out.get(), '$');
    EmitSource(model, &printer);
  }
  return true;
}

}  // namespace micro::codegen

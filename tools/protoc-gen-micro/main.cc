// protoc-gen-micro: run by protoc as `--plugin=protoc-gen-micro=<path> --micro_out=<dir>`
// (micro_add_proto in cmake/MicroProto.cmake does this). See docs/codegen.md.
#include <google/protobuf/compiler/plugin.h>

#include "generator.h"

int main(int argc, char* argv[]) {
  micro::codegen::MicroGenerator generator;
  return google::protobuf::compiler::PluginMain(argc, argv, &generator);
}

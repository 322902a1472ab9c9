// Formatting of the generated files from a checked FileModel (model.h).
#pragma once

#include <google/protobuf/io/printer.h>

#include "model.h"

namespace micro::codegen {

// <stem>.micro.h: handler interfaces, Register<Service>() and typed clients.
void EmitHeader(const FileModel& file, google::protobuf::io::Printer* out);
// <stem>.micro.cc: the registration (type-erased entry points) and the client calls.
void EmitSource(const FileModel& file, google::protobuf::io::Printer* out);

// Shared by both emitters.
void EmitComments(const std::string& comments, google::protobuf::io::Printer* out);
void OpenNamespace(const FileModel& file, google::protobuf::io::Printer* out);
void CloseNamespace(const FileModel& file, google::protobuf::io::Printer* out);

}  // namespace micro::codegen

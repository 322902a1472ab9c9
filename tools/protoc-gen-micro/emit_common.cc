#include <string>

#include "emit.h"

namespace micro::codegen {

void EmitComments(const std::string& comments, google::protobuf::io::Printer* out) {
  if (comments.empty()) return;
  size_t start = 0;
  while (start <= comments.size()) {
    size_t end = comments.find('\n', start);
    if (end == std::string::npos) end = comments.size();
    std::string line = comments.substr(start, end - start);
    // protoc keeps the space after "//"; an empty line stays a bare "//".
    out->Print("//$line$\n", "line", line);
    start = end + 1;
  }
}

void OpenNamespace(const FileModel& file, google::protobuf::io::Printer* out) {
  if (file.cpp_namespace.empty()) return;
  out->Print("namespace $ns$ {\n\n", "ns", file.cpp_namespace);
}

void CloseNamespace(const FileModel& file, google::protobuf::io::Printer* out) {
  if (file.cpp_namespace.empty()) return;
  out->Print("}  // namespace $ns$\n", "ns", file.cpp_namespace);
}

}  // namespace micro::codegen

#include "model.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <string_view>

#include <google/protobuf/compiler/cpp/names.h>
#include <google/protobuf/descriptor.pb.h>

#include "micro/options.pb.h"

namespace micro::codegen {

namespace {

namespace pb = google::protobuf;

// Names an rpc cannot take because the generated C++ would not compile.
bool IsCppKeyword(std::string_view name) {
  static const std::set<std::string_view> kKeywords = {
      "alignas",       "alignof",     "and",
      "and_eq",        "asm",         "auto",
      "bitand",        "bitor",       "bool",
      "break",         "case",        "catch",
      "char",          "char8_t",     "char16_t",
      "char32_t",      "class",       "compl",
      "concept",       "const",       "consteval",
      "constexpr",     "constinit",   "const_cast",
      "continue",      "co_await",    "co_return",
      "co_yield",      "decltype",    "default",
      "delete",        "do",          "double",
      "dynamic_cast",  "else",        "enum",
      "explicit",      "export",      "extern",
      "false",         "float",       "for",
      "friend",        "goto",        "if",
      "inline",        "int",         "long",
      "mutable",       "namespace",   "new",
      "noexcept",      "not",         "not_eq",
      "nullptr",       "operator",    "or",
      "or_eq",         "private",     "protected",
      "public",        "register",    "reinterpret_cast",
      "requires",      "return",      "short",
      "signed",        "sizeof",      "static",
      "static_assert", "static_cast", "struct",
      "switch",        "template",    "this",
      "thread_local",  "throw",       "true",
      "try",           "typedef",     "typeid",
      "typename",      "union",       "unsigned",
      "using",         "virtual",     "void",
      "volatile",      "wchar_t",     "while",
      "xor",           "xor_eq",      "NULL",
      "assert",
  };
  return kKeywords.count(name) > 0;
}

std::string DotsToColons(const std::string& dotted) {
  std::string out;
  for (char c : dotted) {
    if (c == '.') {
      out += "::";
    } else {
      out += c;
    }
  }
  return out;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string StripProto(const std::string& name) {
  constexpr std::string_view kSuffix = ".proto";
  if (name.size() > kSuffix.size() && name.ends_with(kSuffix)) {
    return name.substr(0, name.size() - kSuffix.size());
  }
  return name;
}

std::string PbHeader(const pb::FileDescriptor* file) { return StripProto(file->name()) + ".pb.h"; }

template <typename Descriptor>
std::string LeadingComments(const Descriptor* d) {
  pb::SourceLocation location;
  if (!d->GetSourceLocation(&location)) return {};
  std::string text = location.leading_comments;
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

bool IsLite(const pb::FileDescriptor* file) {
  return file->options().optimize_for() == pb::FileOptions::LITE_RUNTIME;
}

// A C++ name at namespace scope that a generated name must not take: messages, enums,
// enum values (unscoped, so they live in the namespace) and extensions of the package.
bool PackageDeclares(const pb::FileDescriptor* file, const std::string& name) {
  const pb::DescriptorPool* pool = file->pool();
  std::string full = file->package().empty() ? name : file->package() + "." + name;
  return pool->FindMessageTypeByName(full) != nullptr ||
         pool->FindEnumTypeByName(full) != nullptr || pool->FindEnumValueByName(full) != nullptr ||
         pool->FindExtensionByName(full) != nullptr;
}

class ModelBuilder {
 public:
  ModelBuilder(const pb::FileDescriptor* file, std::string* error) : file_(file), error_(error) {}

  bool Build(FileModel* model) {
    model->proto_name = file_->name();
    model->stem = StripProto(file_->name());
    model->cpp_namespace = DotsToColons(file_->package());
    model->pb_headers.push_back(PbHeader(file_));
    if (file_->service_count() > 0 && IsLite(file_)) {
      return Fail(
          "option optimize_for = LITE_RUNTIME is not supported: micro handlers take "
          "full protobuf messages (google::protobuf::Message), which the HTTP/JSON "
          "transport needs for the JSON mapping; remove the option");
    }
    std::set<std::string> top_level;
    for (int i = 0; i < file_->service_count(); ++i) {
      ServiceModel service;
      if (!BuildService(file_->service(i), &service, model)) return false;
      for (const std::string* name :
           {&service.handler_class, &service.client_class, &service.register_fn}) {
        if (!top_level.insert(*name).second) {
          return Fail("service " + service.name + ": the generated name " + *name +
                      " is also generated for another service in this file; rename a service");
        }
        if (PackageDeclares(file_, *name)) {
          return Fail("service " + service.name + ": the generated name " + *name +
                      " collides with a message, enum, enum value or extension of the same "
                      "name in package '" +
                      file_->package() + "'; rename one of them");
        }
      }
      model->services.push_back(std::move(service));
    }
    return true;
  }

 private:
  bool BuildService(const pb::ServiceDescriptor* s, ServiceModel* out, FileModel* model) {
    out->name = s->name();
    out->full_name = s->full_name();
    out->default_name = Lower(s->name());
    out->handler_class = s->name() + "Handler";
    out->client_class = s->name() + "Client";
    out->register_fn = "Register" + s->name();
    out->comments = LeadingComments(s);

    // Members of the generated client besides the rpcs, and the constructors' names.
    std::set<std::string> client_members = {out->client_class, "kFullName", "kDefaultServiceName",
                                            "service_name",    "client_",   "service_name_"};
    std::set<std::string> handler_members = {out->handler_class};
    for (int i = 0; i < s->method_count(); ++i) {
      const pb::MethodDescriptor* m = s->method(i);
      std::string where = "service " + s->name() + ", rpc " + m->name() + ": ";
      if (IsCppKeyword(m->name())) {
        return Fail(where + "'" + m->name() + "' is a C++ keyword, so it cannot name the " +
                    "generated member functions; rename the rpc");
      }
      for (const pb::Descriptor* type : {m->input_type(), m->output_type()}) {
        if (IsLite(type->file())) {
          return Fail(where + "message " + type->full_name() + " comes from " +
                      type->file()->name() +
                      ", which has optimize_for = LITE_RUNTIME; micro handlers need full "
                      "protobuf messages");
        }
        std::string header = PbHeader(type->file());
        auto& headers = model->pb_headers;
        if (std::find(headers.begin(), headers.end(), header) == headers.end()) {
          headers.push_back(header);
        }
      }

      MethodModel method;
      method.name = m->name();
      method.path = "/" + s->full_name() + "/" + m->name();
      method.request_type = pb::compiler::cpp::QualifiedClassName(m->input_type());
      method.response_type = pb::compiler::cpp::QualifiedClassName(m->output_type());
      method.client_streaming = m->client_streaming();
      method.server_streaming = m->server_streaming();
      method.non_blocking = m->options().GetExtension(::micro::non_blocking);
      method.idempotent = m->options().GetExtension(::micro::idempotent);
      method.comments = LeadingComments(m);
      if (method.non_blocking && !method.unary()) {
        // A stream's handler waits for messages, which is blocking by nature.
        return Fail(where +
                    "option (micro.non_blocking) is only supported on unary rpcs: a "
                    "streaming handler waits for the peer and must not run on an event thread");
      }

      if (!handler_members.insert(method.name).second) {
        return Fail(where + "the handler interface would declare " + method.name +
                    " twice (it is also the class name); rename the rpc");
      }
      std::vector<std::string> client_names = {method.name};
      if (method.unary()) client_names.push_back(method.name + "Async");
      for (const std::string& name : client_names) {
        if (!client_members.insert(name).second) {
          return Fail(where + "the generated client " + out->client_class +
                      " would declare a member named " + name +
                      " twice (unary rpcs also get <Name>Async; the client has kFullName, " +
                      "kDefaultServiceName and service_name()); rename the rpc");
        }
      }
      out->methods.push_back(std::move(method));
    }
    return true;
  }

  // protoc prefixes the message with the file's name.
  bool Fail(const std::string& message) {
    *error_ = message;
    return false;
  }

  const pb::FileDescriptor* file_;
  std::string* error_;
};

}  // namespace

std::string MethodModel::KindEnumerator() const {
  if (client_streaming && server_streaming) return "kBidiStreaming";
  if (client_streaming) return "kClientStreaming";
  if (server_streaming) return "kServerStreaming";
  return "kUnary";
}

bool BuildFileModel(const google::protobuf::FileDescriptor* file, FileModel* model,
                    std::string* error) {
  return ModelBuilder(file, error).Build(model);
}

}  // namespace micro::codegen

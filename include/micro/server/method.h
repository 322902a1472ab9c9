// A method a server can serve, described independently of any transport: its name, its
// call kind, how its handler must be run, and type-erased entry points. Generated code
// (protoc-gen-micro) builds these from a `.proto` service; users rarely write one by hand.
//
// The same Method serves gRPC (protobuf bytes) and HTTP/JSON (protobuf JSON mapping):
// transports decode into a fresh request message (request_prototype->New()) and call
// `unary` or `stream`.
#pragma once

#include <functional>
#include <string>

#include <google/protobuf/message.h>

#include <micro/core/context.h>
#include <micro/core/status.h>

namespace micro::server {

enum class MethodKind { kUnary, kServerStreaming, kClientStreaming, kBidiStreaming };

// Where a handler runs. kBlocking handlers run on the server's worker pool, so they may
// block (I/O, locks, downstream calls). kNonBlocking handlers run inline on the
// transport's event thread with no thread hop: they must finish in microseconds and never
// block — a blocking call there stalls every other call on that thread.
enum class Execution { kBlocking, kNonBlocking };

// The message stream of one streaming call, as the handler sees it.
// Read() returns false at the end of the input (the peer half-closed) or when the call is
// cancelled; Write() returns false when the call is gone. Read and Write may be used from
// two threads at once (one reader, one writer); each alone is not reentrant.
class ServerStream {
 public:
  virtual ~ServerStream() = default;
  virtual bool Read(google::protobuf::Message* message) = 0;
  virtual bool Write(const google::protobuf::Message& message) = 0;
};

struct Method {
  using UnaryFn =
      std::function<Status(Context&, const google::protobuf::Message&, google::protobuf::Message*)>;
  // For the three streaming kinds. A client-streaming handler writes its one response
  // through the stream before returning OK (generated code does this).
  using StreamFn = std::function<Status(Context&, ServerStream&)>;

  std::string service;  // fully qualified: "helloworld.Greeter"
  std::string name;     // "SayHello"
  MethodKind kind = MethodKind::kUnary;
  Execution execution = Execution::kBlocking;
  const google::protobuf::Message* request_prototype = nullptr;   // not owned; static
  const google::protobuf::Message* response_prototype = nullptr;  // not owned; static
  UnaryFn unary;
  StreamFn stream;

  // "/helloworld.Greeter/SayHello", the gRPC path.
  std::string Path() const { return "/" + service + "/" + name; }
  bool client_streams() const {
    return kind == MethodKind::kClientStreaming || kind == MethodKind::kBidiStreaming;
  }
  bool server_streams() const {
    return kind == MethodKind::kServerStreaming || kind == MethodKind::kBidiStreaming;
  }
};

}  // namespace micro::server

// Typed views of a ServerStream, used by generated handler interfaces:
//
//   micro::Status Chat(micro::Context& ctx,
//                      micro::ServerReaderWriter<ChatIn, ChatOut>& stream) override {
//     ChatIn in;
//     while (stream.Read(&in)) stream.Write(Reply(in));
//     return {};
//   }
#pragma once

#include <micro/server/method.h>

namespace micro {

template <typename Request>
class ServerReader {
 public:
  explicit ServerReader(server::ServerStream& s) : stream_(s) {}
  bool Read(Request* message) { return stream_.Read(message); }

 private:
  server::ServerStream& stream_;
};

template <typename Response>
class ServerWriter {
 public:
  explicit ServerWriter(server::ServerStream& s) : stream_(s) {}
  bool Write(const Response& message) { return stream_.Write(message); }

 private:
  server::ServerStream& stream_;
};

template <typename Request, typename Response>
class ServerReaderWriter {
 public:
  explicit ServerReaderWriter(server::ServerStream& s) : stream_(s) {}
  bool Read(Request* message) { return stream_.Read(message); }
  bool Write(const Response& message) { return stream_.Write(message); }

 private:
  server::ServerStream& stream_;
};

}  // namespace micro

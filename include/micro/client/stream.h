// Typed views of a client-side streaming call (micro::client::ClientStream), returned by
// generated clients:
//
//   auto chat = greeter.Chat(ctx);                 // Result<ClientReaderWriter<In, Out>>
//   if (!chat.ok()) return chat.status();
//   chat->Write(in);
//   chat->WritesDone();
//   Out out;
//   while (chat->Read(&out)) Use(out);
//   micro::Status s = chat->Finish();
//
//   auto collect = greeter.CollectHellos(ctx);     // Result<ClientWriter<In, Out>>
//   for (const In& in : batch) collect->Write(in);
//   Out reply;
//   micro::Status s = collect->Finish(&reply);
//
// Move-only; each owns its stream. As with ClientStream, one thread may write while another
// reads; Finish() comes last, after the reads.
#pragma once

#include <memory>
#include <utility>

#include <micro/client/client.h>
#include <micro/core/status.h>

namespace micro {

// Server-streaming: the request was sent when the stream was opened.
template <typename Response>
class ClientReader {
 public:
  explicit ClientReader(std::unique_ptr<client::ClientStream> stream)
      : stream_(std::move(stream)) {}

  // False at the end of the replies or when the call failed; Finish() tells which.
  bool Read(Response* message) { return stream_->Read(message); }
  Status Finish() { return stream_->Finish(); }

 private:
  std::unique_ptr<client::ClientStream> stream_;
};

// Client-streaming: many requests, one response.
template <typename Request, typename Response>
class ClientWriter {
 public:
  explicit ClientWriter(std::unique_ptr<client::ClientStream> stream)
      : stream_(std::move(stream)) {}

  // False when the call is over (Finish() tells why); later writes are pointless.
  bool Write(const Request& message) { return stream_->Write(message); }
  // Half-closes, waits for the one response and the call's status. A call that ends OK
  // without a response is INTERNAL: the server broke the protocol.
  Status Finish(Response* response) {
    stream_->WritesDone();
    bool got_response = stream_->Read(response);
    Status status = stream_->Finish();
    if (status.ok() && !got_response) {
      return Status::Internal("client-streaming call ended without a response");
    }
    return status;
  }

 private:
  std::unique_ptr<client::ClientStream> stream_;
};

// Bidirectional streaming.
template <typename Request, typename Response>
class ClientReaderWriter {
 public:
  explicit ClientReaderWriter(std::unique_ptr<client::ClientStream> stream)
      : stream_(std::move(stream)) {}

  bool Write(const Request& message) { return stream_->Write(message); }
  // Tells the server no more requests follow.
  bool WritesDone() { return stream_->WritesDone(); }
  bool Read(Response* message) { return stream_->Read(message); }
  Status Finish() { return stream_->Finish(); }

 private:
  std::unique_ptr<client::ClientStream> stream_;
};

}  // namespace micro

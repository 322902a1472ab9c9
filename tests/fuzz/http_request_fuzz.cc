// Fuzz target: what the HTTP/JSON transport does with bytes from the network before a
// handler sees them: HTTP/1.1 request parsing with the server's limits (Beast), target and
// query decoding, the call's Context from headers (metadata, trace, grpc-timeout), and the
// protobuf JSON (or binary) decoding of the body, re-encoded and decoded again.
// Built by tests/fuzz/CMakeLists.txt: with clang as a libFuzzer binary (http_request_fuzz),
// and always as a corpus replay test (http_request_fuzz_corpus).
//
//   build/bin/http_request_fuzz tests/fuzz/corpus/http      # clang builds only
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/type.pb.h>

#include <micro/core/context.h>

#include "http/parse.h"
#include "transport/http/call_context.h"
#include "transport/http/codec.h"

namespace {

namespace tj = micro::transport::http_json;

template <typename Message>
void DecodeBody(tj::Codec codec, std::string_view body) {
  Message message;
  if (!tj::DecodeMessage(codec, body, &message).ok()) return;
  std::string json;
  if (!tj::EncodeMessage(tj::Codec::kJson, message, &json).ok()) return;
  // What we print, we must read back.
  Message again;
  if (!tj::DecodeMessage(tj::Codec::kJson, json, &again).ok()) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  micro::http::internal::ParseLimits limits{.max_body_bytes = 64 << 10,
                                            .max_header_bytes = 8 << 10};
  auto request = micro::http::internal::ParseRequest(bytes, limits);
  if (!request.ok()) return 0;
  micro::Context ctx;
  tj::FillContext(*request, ctx);
  (void)ctx.Remaining();
  tj::Codec codec = tj::CodecFor(request->Header("content-type"));
  DecodeBody<google::protobuf::Field>(codec, request->body);
  DecodeBody<google::protobuf::Struct>(codec, request->body);
  return 0;
}

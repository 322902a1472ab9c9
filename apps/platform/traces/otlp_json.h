// The OTLP/HTTP JSON decoder of the platform's trace receiver: the body of
// `POST /v1/traces` (an ExportTraceServiceRequest in the OpenTelemetry protocol's JSON
// encoding) to stored spans.
//
//   auto parsed = ParseOtlpTraces(request.body);
//   if (!parsed.ok()) return Reply400(parsed.status());     // not OTLP JSON at all
//   store.Append(std::move(parsed->spans));
//   if (parsed->rejected > 0) ...                            // partial success
//
// Accepts what OpenTelemetry SDKs and collectors send: lowerCamelCase or proto snake_case
// field names, hex ids (base64 too, as a plain protobuf JSON mapping writes them), 64-bit
// integers as strings or numbers, enums as numbers or names, the deprecated
// instrumentationLibrarySpans. A malformed container (resourceSpans not an array, ...) fails
// the whole request; a malformed span (bad ids, bad times) is rejected alone and counted.
// Pure function, thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <micro/core/result.h>

#include "platform/traces/span.h"

namespace micro::platform::traces {

struct OtlpTraces {
  std::vector<Span> spans;
  size_t rejected = 0;
  std::string error_message;  // why the first rejected span was rejected
};

// INVALID_ARGUMENT, naming the field, when `body` is not an OTLP JSON trace export.
Result<OtlpTraces> ParseOtlpTraces(std::string_view body);

// Lower-case hex of an OTLP id given as hex (any case) or base64 of `bytes` bytes; "" when
// it is neither. Also for trace ids typed by users (`micro trace ID`).
std::string NormalizeId(std::string_view text, size_t bytes);

}  // namespace micro::platform::traces

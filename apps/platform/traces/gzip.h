// Inflates a gzip body (Content-Encoding: gzip) for the trace receiver, bounded so that a
// small body cannot expand without limit. Pure function, thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <micro/core/result.h>

namespace micro::platform::traces {

// INVALID_ARGUMENT for data that is not gzip; RESOURCE_EXHAUSTED past `max_bytes`.
Result<std::string> GunzipBounded(std::string_view data, size_t max_bytes);

}  // namespace micro::platform::traces

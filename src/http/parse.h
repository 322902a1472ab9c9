// Turning bytes from the network into a micro::http::Request: the parser limits, the
// mapping of parse failures to HTTP answers, query decoding. The server reads with these
// rules; ParseRequest() applies them to a byte string so a fuzzer can reach them.
// Internal to libmicro.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <micro/core/result.h>
#include <micro/http/http.h>

namespace micro::http::internal {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;
using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

struct ParseLimits {
  size_t max_body_bytes = 4 << 20;
  size_t max_header_bytes = 64 << 10;
};

void ApplyLimits(RequestParser& parser, const ParseLimits& limits);

// The answer to a request that failed to parse with `ec`, or nullopt when `ec` is not a
// parse error (a closed or timed-out socket: nothing to answer).
std::optional<Response> ParseErrorResponse(const boost::beast::error_code& ec,
                                           const ParseLimits& limits);

// "a=1&b=x%20y" -> {a:1, b:"x y"}; the first of repeated keys wins; bad escapes are kept
// verbatim.
std::map<std::string, std::string> DecodeQuery(std::string_view query);

// Splits the target into path and query, lower-cases header names, takes the body.
Request ToRequest(BeastRequest&& req, std::string peer);

// Parses one whole request held in `bytes` with the server's rules. Errors carry the
// status the server would answer with (INVALID_ARGUMENT, RESOURCE_EXHAUSTED).
Result<Request> ParseRequest(std::string_view bytes, const ParseLimits& limits);

}  // namespace micro::http::internal

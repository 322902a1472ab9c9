#include "http/parse.h"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>

#include "http/strings.h"

namespace micro::http::internal {

namespace bhttp = boost::beast::http;

void ApplyLimits(RequestParser& parser, const ParseLimits& limits) {
  parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
  parser.body_limit(limits.max_body_bytes);
}

std::optional<Response> ParseErrorResponse(const boost::beast::error_code& ec,
                                           const ParseLimits& limits) {
  if (ec == bhttp::error::body_limit) {
    Response r = Response::Error(Status::ResourceExhausted(
        "request body exceeds the limit of " + std::to_string(limits.max_body_bytes) + " bytes"));
    r.status = 413;
    return r;
  }
  if (ec == bhttp::error::header_limit) {
    Response r = Response::Error(Status::ResourceExhausted(
        "request head exceeds the limit of " + std::to_string(limits.max_header_bytes) + " bytes"));
    r.status = 431;
    return r;
  }
  // A clean close between requests or mid-request is not a parse error.
  if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) {
    return std::nullopt;
  }
  if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category()) {
    return Response::Error(Status::InvalidArgument("malformed HTTP request: " + ec.message()));
  }
  return std::nullopt;
}

std::map<std::string, std::string> DecodeQuery(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string_view raw_key = pair.substr(0, eq);
    std::string_view raw_value =
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    std::string key, value;
    if (!PercentDecode(raw_key, true, &key)) key = std::string(raw_key);
    if (!PercentDecode(raw_value, true, &value)) value = std::string(raw_value);
    out.emplace(std::move(key), std::move(value));
  }
  return out;
}

Request ToRequest(BeastRequest&& req, std::string peer) {
  Request out;
  out.method = std::string(req.method_string());
  out.target = std::string(req.target());
  std::string_view target = out.target;
  // Absolute form ("http://host/path", sent to proxies): route on the path alone.
  if (size_t scheme = target.find("://");
      scheme != std::string_view::npos && target.front() != '/') {
    size_t slash = target.find('/', scheme + 3);
    target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
  }
  size_t q = target.find('?');
  out.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) out.query = DecodeQuery(target.substr(q + 1));
  out.headers.reserve(std::distance(req.begin(), req.end()));
  for (const auto& field : req) {
    out.headers.emplace_back(ToLowerAscii(Sv(field.name_string())), std::string(field.value()));
  }
  out.body = std::move(req.body());
  out.peer = std::move(peer);
  return out;
}

Result<Request> ParseRequest(std::string_view bytes, const ParseLimits& limits) {
  RequestParser parser;
  ApplyLimits(parser, limits);
  parser.eager(true);
  boost::beast::error_code ec;
  while (!bytes.empty() && !parser.is_done()) {
    size_t used = parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
    bytes.remove_prefix(used);
    if (ec == bhttp::error::need_more) {
      ec = {};
      break;
    }
    if (ec || used == 0) break;
  }
  if (!ec && !parser.is_done() && parser.got_some()) {
    // The input is all there is: a body delimited by EOF ends here.
    parser.put_eof(ec);
  }
  if (ec) {
    auto response = ParseErrorResponse(ec, limits);
    if (response && (response->status == 413 || response->status == 431)) {
      return Status::ResourceExhausted(ec.message());
    }
    return Status::InvalidArgument("malformed HTTP request: " + ec.message());
  }
  if (!parser.is_done()) return Status::InvalidArgument("incomplete HTTP request");
  return ToRequest(parser.release(), "fuzz:0");
}

}  // namespace micro::http::internal

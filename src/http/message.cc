// Request/Response value helpers and the JSON error body shared by every HTTP answer.
#include <micro/http/http.h>

#include <random>

#include <nlohmann/json.hpp>

#include "http/strings.h"

namespace micro::http {

namespace {

std::string FindHeader(const Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return {};
}

}  // namespace

std::string Request::Header(std::string_view name) const { return FindHeader(headers, name); }

std::string ClientResponse::Header(std::string_view name) const {
  return FindHeader(headers, name);
}

Response Response::Json(int status, std::string body) {
  Response r;
  r.status = status;
  r.headers.emplace_back("content-type", "application/json");
  r.body = std::move(body);
  return r;
}

Response Response::Text(int status, std::string body) {
  Response r;
  r.status = status;
  r.headers.emplace_back("content-type", "text/plain; charset=utf-8");
  r.body = std::move(body);
  return r;
}

Response Response::Error(const Status& status, const std::string& request_id) {
  nlohmann::json body = {{"code", StatusCodeName(status.code())},
                         {"message", status.message()},
                         {"request_id", request_id}};
  // Messages may carry bytes from the request; never let them make the body invalid.
  return Json(HttpStatusFromCode(status.code()),
              body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

Response Response::Chunked(int status, std::string content_type,
                           std::shared_ptr<ChunkWriter> writer) {
  Response r;
  r.status = status;
  r.headers.emplace_back("content-type", std::move(content_type));
  r.stream = std::move(writer);
  return r;
}

std::string NewRequestId() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  static constexpr char kHex[] = "0123456789abcdef";
  uint64_t v = rng();
  std::string id(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) id[i] = kHex[v & 0xf];
  return id;
}

}  // namespace micro::http

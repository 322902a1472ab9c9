#include "transport/http/codec.h"

#include <charconv>

#include <google/protobuf/util/json_util.h>

namespace micro::transport::http_json {

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool IsBlank(std::string_view s) {
  for (char c : s) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  }
  return true;
}

}  // namespace

Codec CodecFor(std::string_view content_type) {
  std::string_view media = Trim(content_type.substr(0, content_type.find(';')));
  std::string lower(media);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "application/x-protobuf" || lower == "application/protobuf" ||
      lower == "application/vnd.google.protobuf") {
    return Codec::kProtobuf;
  }
  return Codec::kJson;
}

std::string_view ContentType(Codec codec) {
  return codec == Codec::kProtobuf ? "application/x-protobuf" : "application/json";
}

Status DecodeMessage(Codec codec, std::string_view body, google::protobuf::Message* message) {
  if (codec == Codec::kProtobuf) {
    if (!message->ParseFromArray(body.data(), static_cast<int>(body.size()))) {
      return Status::InvalidArgument("request body is not a valid " +
                                     message->GetDescriptor()->full_name() + " protobuf");
    }
    return {};
  }
  if (IsBlank(body)) return {};
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto st = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(body.data(), body.size()), message, options);
  if (!st.ok()) {
    std::string why(st.message().data(), st.message().size());
    return Status::InvalidArgument("invalid JSON for " + message->GetDescriptor()->full_name() +
                                   ": " + why);
  }
  return {};
}

Status EncodeMessage(Codec codec, const google::protobuf::Message& message, std::string* out) {
  out->clear();
  if (codec == Codec::kProtobuf) {
    if (!message.SerializeToString(out)) {
      return Status::Internal("cannot serialize " + message.GetDescriptor()->full_name());
    }
    return {};
  }
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = false;
  auto st = google::protobuf::util::MessageToJsonString(message, out, options);
  if (!st.ok()) {
    return Status::Internal("cannot encode " + message.GetDescriptor()->full_name() +
                            " as JSON: " + std::string(st.message().data(), st.message().size()));
  }
  return {};
}

std::optional<std::chrono::nanoseconds> ParseGrpcTimeout(std::string_view value) {
  value = Trim(value);
  if (value.size() < 2 || value.size() > 9) return std::nullopt;
  std::string_view digits = value.substr(0, value.size() - 1);
  int64_t n = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || end != digits.data() + digits.size() || n < 0) return std::nullopt;
  int64_t unit_ns = 0;
  switch (value.back()) {
    case 'H':
      unit_ns = 3'600'000'000'000;
      break;
    case 'M':
      unit_ns = 60'000'000'000;
      break;
    case 'S':
      unit_ns = 1'000'000'000;
      break;
    case 'm':
      unit_ns = 1'000'000;
      break;
    case 'u':
      unit_ns = 1'000;
      break;
    case 'n':
      unit_ns = 1;
      break;
    default:
      return std::nullopt;
  }
  // 99999999H does not fit in nanoseconds; anything past a year is "no deadline" anyway.
  constexpr int64_t kYearNs = 365LL * 24 * 3'600'000'000'000;
  if (n > kYearNs / unit_ns) return std::chrono::nanoseconds(kYearNs);
  return std::chrono::nanoseconds(n * unit_ns);
}

std::optional<std::chrono::nanoseconds> ParseTimeoutMs(std::string_view value) {
  value = Trim(value);
  int64_t n = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  // Bounded so the deadline arithmetic cannot overflow: ~11 days is "no deadline" anyway.
  if (value.empty() || ec != std::errc() || end != value.data() + value.size() || n < 0 ||
      n > 1'000'000'000) {
    return std::nullopt;
  }
  return std::chrono::milliseconds(n);
}

}  // namespace micro::transport::http_json

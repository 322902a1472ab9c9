#include "log/service_logging.h"

#include <array>

namespace micro::log_internal {
namespace {

constexpr std::array<std::string_view, 5> kKeys = {"access", "async", "format", "level", "output"};

std::string KnownKeys() {
  std::string out;
  for (auto k : kKeys) out += (out.empty() ? "" : ", ") + std::string(k);
  return out;
}

Status Named(std::string_view key, const Status& s) {
  return Status(s.code(), std::string(key) + ": " + s.message());
}

}  // namespace

Result<LogSettings> ReadLogSettings(const config::Config& config, LogSettings base) {
  auto tree = config.GetValue("log");
  if (!tree.ok()) {
    if (tree.status().code() == StatusCode::kNotFound) return base;
    return tree.status();
  }
  if (!tree->is_map()) return Status::InvalidArgument("log: expected a map of " + KnownKeys());
  for (const auto& [key, value] : tree->as_map()) {
    if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end()) {
      return Status::InvalidArgument("log." + key + ": unknown key (known: " + KnownKeys() + ")");
    }
  }
  LogSettings s = base;
  if (auto v = config.Get<std::string>("log.level"); v.ok()) {
    auto level = log::ParseLevel(*v);
    if (!level.ok()) return Named("log.level", level.status());
    s.level = *level;
  } else if (v.status().code() != StatusCode::kNotFound) {
    return v.status();
  }
  if (auto v = config.Get<std::string>("log.format"); v.ok()) {
    auto format = log::ParseFormat(*v);
    if (!format.ok()) return Named("log.format", format.status());
    s.format = *format;
  } else if (v.status().code() != StatusCode::kNotFound) {
    return v.status();
  }
  for (auto [key, field] : {std::pair{"log.access", &s.access}, {"log.async", &s.async}}) {
    auto v = config.Get<bool>(key);
    if (v.ok()) {
      *field = *v;
    } else if (v.status().code() != StatusCode::kNotFound) {
      return v.status();
    }
  }
  if (auto v = config.Get<std::string>("log.output"); v.ok()) {
    s.output = *v;
  } else if (v.status().code() != StatusCode::kNotFound) {
    return v.status();
  }
  return s;
}

ServiceLogging::ServiceLogging(server::Server& server, std::string service, std::string instance)
    : service_(std::move(service)),
      instance_(std::move(instance)),
      access_(std::make_shared<log::AccessLogInterceptor>(service_, instance_)) {
  server.Use(access_);
}

ServiceLogging::~ServiceLogging() {
  if (config_) config_->Unwatch(watch_);
  log::Flush();
}

Status ServiceLogging::Start(std::shared_ptr<config::Config> config) {
  LogSettings settings;
  if (config) {
    auto read = ReadLogSettings(*config);
    if (!read.ok()) return read.status();
    settings = *read;
  }
  MICRO_RETURN_IF_ERROR(log::Configure({
      .service = service_,
      .instance = instance_,
      .level = settings.level,
      .format = settings.format,
      .output = settings.output,
      .async = settings.async,
  }));
  access_->set_enabled(settings.access);
  applied_ = settings;
  if (config && !config_) {
    config_ = std::move(config);
    // Callbacks run one at a time (config.h), so applied_ needs no lock.
    watch_ = config_->Watch("log", [this](const config::Config& c) { Apply(c); });
  }
  return {};
}

void ServiceLogging::Apply(const config::Config& config) {
  auto read = ReadLogSettings(config);  // a removed key goes back to its default
  if (!read.ok()) {
    MICRO_LOG_WARN({}, "log settings not changed: the new config is invalid",
                   {"error", read.status().message()});
    return;
  }
  const LogSettings& s = *read;
  if (s.level != applied_.level) log::SetLevel(s.level);
  if (s.format != applied_.format) log::SetFormat(s.format);
  if (s.access != applied_.access) access_->set_enabled(s.access);
  if (s.output != applied_.output || s.async != applied_.async) {
    MICRO_LOG_WARN({}, "log.output and log.async take effect at the next start",
                   {"output", s.output}, {"async", s.async});
  }
  MICRO_LOG_INFO({}, "log settings changed", {"level", log::LevelName(s.level)},
                 {"format", log::FormatName(s.format)}, {"access", s.access});
  applied_ = s;
}

}  // namespace micro::log_internal

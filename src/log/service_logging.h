// micro::Service's logging: the access-log interceptor on its server, and the process
// logger configured from the service's config (log.*), kept live by a config watch.
#pragma once

#include <cstdint>
#include <memory>

#include <micro/config/config.h>
#include <micro/log/access_log.h>
#include <micro/log/log.h>
#include <micro/server/server.h>

namespace micro::log_internal {

// The log.* keys: level, format, access (bool), output, async (bool).
struct LogSettings {
  log::Level level = log::Level::kInfo;
  log::Format format = log::Format::kAuto;
  bool access = true;
  std::string output = "stderr";
  bool async = true;
};

// Reads log.* from `config` over `base`; an unknown key under log. or a bad value fails
// with a message naming the key.
Result<LogSettings> ReadLogSettings(const config::Config& config, LogSettings base = {});

class ServiceLogging {
 public:
  // Adds the access-log interceptor to `server` (call before its transports start).
  ServiceLogging(server::Server& server, std::string service, std::string instance);
  ~ServiceLogging();  // stops watching, flushes

  // Configures the process logger from `config` (may be null: defaults) and, when there
  // is one, applies later changes of log.level, log.format and log.access as they come.
  Status Start(std::shared_ptr<config::Config> config);

 private:
  void Apply(const config::Config& config);

  std::string service_;
  std::string instance_;
  std::shared_ptr<log::AccessLogInterceptor> access_;
  std::shared_ptr<config::Config> config_;
  uint64_t watch_ = 0;
  LogSettings applied_;
};

}  // namespace micro::log_internal

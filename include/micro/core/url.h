// Plugin URLs: `scheme://host1:port1,host2:port2/path?key=value&flag=1`.
// Every pluggable component (registry, broker, config source, selector) is chosen by one.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <micro/core/result.h>

namespace micro {

struct HostPort {
  std::string host;
  uint16_t port = 0;
};

struct Url {
  std::string scheme;
  std::vector<HostPort> hosts;  // may be empty (memory://)
  std::string path;             // with its leading '/', or empty
  std::map<std::string, std::string> query;

  static Result<Url> Parse(std::string_view text);
  std::string ToString() const;
};

// Parses "host:port" (port 0..65535); "[::1]:80" accepted.
Result<HostPort> ParseHostPort(std::string_view text);

}  // namespace micro

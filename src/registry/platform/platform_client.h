// The platform:// plugin's link to the platform registry API: JSON requests over the
// project's HttpClient, failing over between the URL's hosts, with the server's JSON errors
// turned back into a Status. Shared (by shared_ptr) by a PlatformRegistry and its watchers,
// which may outlive it. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include <micro/core/result.h>
#include <micro/http/http.h>

#include "registry/platform/wire.h"

namespace micro::registry {

struct PlatformClientOptions {
  std::vector<std::string> hosts;           // "host:port", tried in order
  std::chrono::milliseconds timeout{2000};  // per request
  std::string token;                        // sent as "authorization: Bearer <token>"
};

class PlatformClient {
 public:
  explicit PlatformClient(PlatformClientOptions options);

  // One request, tried on each host in turn (starting with the last one that answered)
  // while the failure is UNAVAILABLE or DEADLINE_EXCEEDED. The JSON object of a 2xx answer,
  // or the Status the server answered with.
  Result<wire::Json> Call(const std::string& method, const std::string& target,
                          const std::string& body);
  // One request to one host with its own timeout (the watch long-poll).
  Result<wire::Json> CallHost(size_t host, const std::string& method, const std::string& target,
                              const std::string& body, std::chrono::milliseconds timeout);

  size_t host_count() const { return options_.hosts.size(); }
  std::chrono::milliseconds timeout() const { return options_.timeout; }
  // The host Call() would try first.
  size_t preferred_host() const { return preferred_.load(); }

 private:
  const PlatformClientOptions options_;
  http::Headers headers_;
  http::HttpClient http_;
  std::atomic<size_t> preferred_{0};
};

}  // namespace micro::registry

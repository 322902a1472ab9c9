#include "registry/platform/platform_registry.h"

#include <micro/http/http.h>
#include <algorithm>
#include <charconv>

#include <micro/registry/memory_store.h>

#include "registry/builtin.h"
#include "registry/platform/platform_watcher.h"

namespace micro::registry {

namespace {

// The platform's default address (`micro platform` listens here unless told otherwise).
constexpr char kDefaultHost[] = "127.0.0.1:7700";

Result<std::chrono::milliseconds> PositiveMillis(const Url& url, const std::string& key,
                                                 std::chrono::milliseconds fallback) {
  auto it = url.query.find(key);
  if (it == url.query.end()) return fallback;
  int64_t value = 0;
  const std::string& text = it->second;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value <= 0) {
    return Status::InvalidArgument("platform:// option " + key +
                                   " must be a positive number of milliseconds, got '" + text +
                                   "'");
  }
  return std::chrono::milliseconds(value);
}

}  // namespace

Status PlatformRegistry::Register(const ServiceInfo& service, const Node& node,
                                  std::chrono::milliseconds ttl) {
  // Same rules as the server, checked here to save a round trip.
  MICRO_RETURN_IF_ERROR(MemoryStore::Validate(service, node, ttl));
  wire::RegisterRequest request{service, node, ttl};
  return client_->Call("POST", std::string(wire::kRegisterPath), wire::ToJson(request).dump())
      .status();
}

Status PlatformRegistry::Heartbeat(const std::string& service, const std::string& node_id) {
  return client_
      ->Call("POST", std::string(wire::kHeartbeatPath),
             wire::ToJson(wire::NodeRef{service, node_id}).dump())
      .status();
}

Status PlatformRegistry::Deregister(const std::string& service, const std::string& node_id) {
  return client_
      ->Call("POST", std::string(wire::kDeregisterPath),
             wire::ToJson(wire::NodeRef{service, node_id}).dump())
      .status();
}

Result<Service> PlatformRegistry::Get(const std::string& service) {
  // No path names the empty service; the answer is the one every registry gives.
  if (service.empty()) return Status::NotFound("service '' has no registered nodes");
  auto r = client_->Call("GET",
                         std::string(wire::kServicesPath) + "/" + http::PercentEncode(service), "");
  if (!r.ok()) return r.status();
  return wire::ServiceFromJson(*r, "");
}

Result<std::vector<ServiceSummary>> PlatformRegistry::List() {
  auto r = client_->Call("GET", std::string(wire::kServicesPath), "");
  if (!r.ok()) return r.status();
  auto services = r->find("services");
  if (services == r->end() || !services->is_array()) {
    return Status::Internal("registry list answer has no 'services' array");
  }
  std::vector<ServiceSummary> out;
  for (size_t i = 0; i < services->size(); ++i) {
    auto s = wire::ServiceSummaryFromJson((*services)[i], "services[" + std::to_string(i) + "]");
    if (!s.ok()) return Status::Internal("registry list answer: " + s.status().message());
    out.push_back(std::move(*s));
  }
  return out;
}

Result<std::unique_ptr<Watcher>> PlatformRegistry::Watch(const std::string& service) {
  auto watcher = std::make_unique<PlatformWatcher>(client_, service, watch_hold_);
  watcher->Start();
  return std::unique_ptr<Watcher>(std::move(watcher));
}

Result<std::unique_ptr<Registry>> NewPlatformRegistry(const Url& url) {
  static const char* const kKeys[] = {"timeout_ms", "watch_timeout_ms", "token"};
  for (const auto& [key, value] : url.query) {
    if (std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys)) {
      std::string known;
      for (const char* k : kKeys) known += (known.empty() ? "" : ", ") + std::string(k);
      return Status::InvalidArgument("unknown platform:// option '" + key + "'; known: " + known);
    }
  }
  PlatformClientOptions options;
  for (const auto& hp : url.hosts) {
    bool v6 = hp.host.find(':') != std::string::npos;
    options.hosts.push_back((v6 ? "[" + hp.host + "]" : hp.host) + ":" + std::to_string(hp.port));
  }
  if (options.hosts.empty()) options.hosts.push_back(kDefaultHost);
  auto timeout = PositiveMillis(url, "timeout_ms", options.timeout);
  if (!timeout.ok()) return timeout.status();
  options.timeout = *timeout;
  auto hold = PositiveMillis(url, "watch_timeout_ms", std::chrono::milliseconds(30000));
  if (!hold.ok()) return hold.status();
  if (auto token = url.query.find("token"); token != url.query.end()) {
    options.token = token->second;
  }
  return std::unique_ptr<Registry>(
      new PlatformRegistry(std::make_shared<PlatformClient>(std::move(options)), *hold));
}

}  // namespace micro::registry

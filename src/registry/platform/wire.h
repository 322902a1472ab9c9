// The JSON wire format of the platform registry API (docs/registry.md), shared by the
// platform:// plugin (client side) and `micro platform` (server side, apps/platform/registry/)
// so that the two cannot drift apart. Decoders check types and name the offending field
// ("missing field 'node.host'") in INVALID_ARGUMENT errors.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <micro/core/result.h>
#include <micro/registry/memory_store.h>
#include <micro/registry/registry.h>

namespace micro::registry::wire {

using Json = nlohmann::json;

inline constexpr std::string_view kRegisterPath = "/v1/registry/register";
inline constexpr std::string_view kHeartbeatPath = "/v1/registry/heartbeat";
inline constexpr std::string_view kDeregisterPath = "/v1/registry/deregister";
inline constexpr std::string_view kServicesPath = "/v1/registry/services";  // + "/<name>"
inline constexpr std::string_view kWatchPath = "/v1/registry/watch";
inline constexpr std::string_view kWatchCancelPath = "/v1/registry/watch/cancel";

// A registration with no ttl_ms gets this one.
inline constexpr std::chrono::milliseconds kDefaultTtl{30000};

// INVALID_ARGUMENT "malformed JSON: ..." for text that is not JSON, or not a JSON object.
Result<Json> ParseObject(std::string_view text);

std::string_view EventTypeName(Event::Type type);  // "add", "update", "remove"
std::optional<Event::Type> EventTypeFromName(std::string_view name);

Json ToJson(const Node& node);
Json ToJson(const ServiceInfo& service);
Json ToJson(const Service& service);
Json ToJson(const ServiceSummary& summary);
// {"revision":N,"type":"add","service":"...","node":{...}}
Json ToJson(const MemoryStore::RevisionedEvent& event);

// `field` is where the value sits in the document ("node"), for error messages.
Result<Node> NodeFromJson(const Json& j, const std::string& field);
Result<ServiceInfo> ServiceInfoFromJson(const Json& j, const std::string& field);
Result<Service> ServiceFromJson(const Json& j, const std::string& field);
Result<ServiceSummary> ServiceSummaryFromJson(const Json& j, const std::string& field);
Result<MemoryStore::RevisionedEvent> EventFromJson(const Json& j, const std::string& field);

// POST register: {"service":{...},"node":{...},"ttl_ms":N}
struct RegisterRequest {
  ServiceInfo service;
  Node node;
  std::chrono::milliseconds ttl = kDefaultTtl;
};
Json ToJson(const RegisterRequest& r);
Result<RegisterRequest> RegisterRequestFromJson(const Json& j);

// POST heartbeat / deregister: {"service":"...","node_id":"..."}
struct NodeRef {
  std::string service;
  std::string node_id;
};
Json ToJson(const NodeRef& r);
Result<NodeRef> NodeRefFromJson(const Json& j);

// GET watch answer: {"epoch","revision","events":[...]} or, when the reader must resync,
// {"epoch","revision","reset":true,"services":[{"name","nodes"}]}.
struct WatchResponse {
  std::string epoch;
  MemoryStore::EventBatch batch;
};
Json ToJson(const WatchResponse& r);
Result<WatchResponse> WatchResponseFromJson(const Json& j);

}  // namespace micro::registry::wire

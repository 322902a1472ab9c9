#include "registry/platform/wire.h"

#include <cctype>
#include <limits>

namespace micro::registry::wire {

namespace {

Status Missing(const std::string& field) {
  return Status::InvalidArgument("missing field '" + field + "'");
}

Status WrongType(const std::string& field, std::string_view expected) {
  return Status::InvalidArgument("field '" + field + "' must be " + std::string(expected));
}

std::string Join(const std::string& parent, std::string_view key) {
  return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}

// The object itself, with a message naming `field` when it is not one.
Status RequireObject(const Json& j, const std::string& field) {
  if (!j.is_object()) return WrongType(field, "an object");
  return {};
}

Result<std::string> RequiredString(const Json& obj, const std::string& parent,
                                   std::string_view key) {
  std::string field = Join(parent, key);
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return Missing(field);
  if (!it->is_string()) return WrongType(field, "a string");
  return it->get<std::string>();
}

Result<std::string> OptionalString(const Json& obj, const std::string& parent,
                                   std::string_view key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::string();
  if (!it->is_string()) return WrongType(Join(parent, key), "a string");
  return it->get<std::string>();
}

Result<std::map<std::string, std::string>> StringMap(const Json& obj, const std::string& parent,
                                                     std::string_view key) {
  std::map<std::string, std::string> out;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return out;
  std::string field = Join(parent, key);
  if (!it->is_object()) return WrongType(field, "an object of strings");
  for (const auto& [k, v] : it->items()) {
    if (!v.is_string()) return WrongType(Join(field, k), "a string");
    out[k] = v.get<std::string>();
  }
  return out;
}

Result<uint64_t> RequiredUint(const Json& obj, const std::string& parent, std::string_view key) {
  std::string field = Join(parent, key);
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return Missing(field);
  if (!it->is_number_unsigned()) return WrongType(field, "a non-negative integer");
  return it->get<uint64_t>();
}

Result<std::vector<Node>> NodeList(const Json& obj, const std::string& parent) {
  std::string field = Join(parent, "nodes");
  auto it = obj.find("nodes");
  if (it == obj.end() || it->is_null()) return std::vector<Node>{};
  if (!it->is_array()) return WrongType(field, "an array");
  std::vector<Node> nodes;
  for (size_t i = 0; i < it->size(); ++i) {
    auto node = NodeFromJson((*it)[i], field + "[" + std::to_string(i) + "]");
    if (!node.ok()) return node.status();
    nodes.push_back(std::move(*node));
  }
  return nodes;
}

}  // namespace

Result<Json> ParseObject(std::string_view text) {
  Json j;
  try {
    j = Json::parse(text);
  } catch (const Json::exception& e) {
    // parse_error, and also out_of_range: "1e400" overflows a double (found by fuzzing).
    return Status::InvalidArgument(std::string("malformed JSON: ") + e.what());
  }
  if (!j.is_object()) return Status::InvalidArgument("malformed JSON: expected an object");
  return j;
}

std::string_view EventTypeName(Event::Type type) {
  switch (type) {
    case Event::Type::kAdd:
      return "add";
    case Event::Type::kUpdate:
      return "update";
    case Event::Type::kRemove:
      return "remove";
  }
  return "unknown";
}

std::optional<Event::Type> EventTypeFromName(std::string_view name) {
  if (name == "add") return Event::Type::kAdd;
  if (name == "update") return Event::Type::kUpdate;
  if (name == "remove") return Event::Type::kRemove;
  return std::nullopt;
}

Json ToJson(const Node& node) {
  Json ports = Json::object();
  for (const auto& [protocol, port] : node.ports) ports[protocol] = port;
  return Json{{"id", node.id},
              {"host", node.host},
              {"ports", std::move(ports)},
              {"version", node.version},
              {"metadata", node.metadata}};
}

Json ToJson(const ServiceInfo& service) {
  return Json{{"name", service.name}, {"version", service.version}, {"metadata", service.metadata}};
}

Json ToJson(const Service& service) {
  Json nodes = Json::array();
  for (const auto& n : service.nodes) nodes.push_back(ToJson(n));
  return Json{{"name", service.name}, {"nodes", std::move(nodes)}};
}

Json ToJson(const ServiceSummary& summary) {
  Json nodes = Json::array();
  for (const auto& n : summary.nodes) nodes.push_back(ToJson(n));
  return Json{{"name", summary.name}, {"versions", summary.versions}, {"nodes", std::move(nodes)}};
}

Json ToJson(const MemoryStore::RevisionedEvent& e) {
  return Json{{"revision", e.revision},
              {"type", EventTypeName(e.event.type)},
              {"service", e.event.service},
              {"node", ToJson(e.event.node)}};
}

Result<Node> NodeFromJson(const Json& j, const std::string& field) {
  MICRO_RETURN_IF_ERROR(RequireObject(j, field));
  Node node;
  auto id = RequiredString(j, field, "id");
  if (!id.ok()) return id.status();
  node.id = std::move(*id);
  auto host = RequiredString(j, field, "host");
  if (!host.ok()) return host.status();
  node.host = std::move(*host);

  std::string ports_field = Join(field, "ports");
  auto ports = j.find("ports");
  if (ports == j.end() || ports->is_null()) return Missing(ports_field);
  if (!ports->is_object()) return WrongType(ports_field, "an object like {\"grpc\": 50051}");
  for (const auto& [protocol, port] : ports->items()) {
    if (!port.is_number_unsigned() || port.get<uint64_t>() == 0 ||
        port.get<uint64_t>() > std::numeric_limits<uint16_t>::max()) {
      return WrongType(Join(ports_field, protocol), "an integer 1..65535");
    }
    node.ports[protocol] = static_cast<uint16_t>(port.get<uint64_t>());
  }

  auto version = OptionalString(j, field, "version");
  if (!version.ok()) return version.status();
  node.version = std::move(*version);
  auto metadata = StringMap(j, field, "metadata");
  if (!metadata.ok()) return metadata.status();
  node.metadata = std::move(*metadata);
  return node;
}

Result<ServiceInfo> ServiceInfoFromJson(const Json& j, const std::string& field) {
  MICRO_RETURN_IF_ERROR(RequireObject(j, field));
  ServiceInfo info;
  auto name = RequiredString(j, field, "name");
  if (!name.ok()) return name.status();
  info.name = std::move(*name);
  auto version = OptionalString(j, field, "version");
  if (!version.ok()) return version.status();
  info.version = std::move(*version);
  auto metadata = StringMap(j, field, "metadata");
  if (!metadata.ok()) return metadata.status();
  info.metadata = std::move(*metadata);
  return info;
}

Result<Service> ServiceFromJson(const Json& j, const std::string& field) {
  MICRO_RETURN_IF_ERROR(RequireObject(j, field));
  auto name = RequiredString(j, field, "name");
  if (!name.ok()) return name.status();
  auto nodes = NodeList(j, field);
  if (!nodes.ok()) return nodes.status();
  return Service{std::move(*name), std::move(*nodes)};
}

Result<ServiceSummary> ServiceSummaryFromJson(const Json& j, const std::string& field) {
  MICRO_RETURN_IF_ERROR(RequireObject(j, field));
  ServiceSummary summary;
  auto name = RequiredString(j, field, "name");
  if (!name.ok()) return name.status();
  summary.name = std::move(*name);
  if (auto v = j.find("versions"); v != j.end() && !v->is_null()) {
    if (!v->is_array()) return WrongType(Join(field, "versions"), "an array of strings");
    for (const auto& version : *v) {
      if (!version.is_string()) return WrongType(Join(field, "versions"), "an array of strings");
      summary.versions.push_back(version.get<std::string>());
    }
  }
  auto nodes = NodeList(j, field);
  if (!nodes.ok()) return nodes.status();
  summary.nodes = std::move(*nodes);
  return summary;
}

Result<MemoryStore::RevisionedEvent> EventFromJson(const Json& j, const std::string& field) {
  MICRO_RETURN_IF_ERROR(RequireObject(j, field));
  MemoryStore::RevisionedEvent e;
  auto revision = RequiredUint(j, field, "revision");
  if (!revision.ok()) return revision.status();
  e.revision = *revision;
  auto type_name = RequiredString(j, field, "type");
  if (!type_name.ok()) return type_name.status();
  auto type = EventTypeFromName(*type_name);
  if (!type) return WrongType(Join(field, "type"), "one of add, update, remove");
  e.event.type = *type;
  auto service = RequiredString(j, field, "service");
  if (!service.ok()) return service.status();
  e.event.service = std::move(*service);
  auto node = j.find("node");
  if (node == j.end()) return Missing(Join(field, "node"));
  auto parsed = NodeFromJson(*node, Join(field, "node"));
  if (!parsed.ok()) return parsed.status();
  e.event.node = std::move(*parsed);
  return e;
}

Json ToJson(const RegisterRequest& r) {
  return Json{{"service", ToJson(r.service)},
              {"node", ToJson(r.node)},
              {"ttl_ms", static_cast<uint64_t>(r.ttl.count())}};
}

Result<RegisterRequest> RegisterRequestFromJson(const Json& j) {
  RegisterRequest r;
  auto service = j.find("service");
  if (service == j.end() || service->is_null()) return Missing("service");
  auto info = ServiceInfoFromJson(*service, "service");
  if (!info.ok()) return info.status();
  r.service = std::move(*info);
  auto node_json = j.find("node");
  if (node_json == j.end() || node_json->is_null()) return Missing("node");
  auto node = NodeFromJson(*node_json, "node");
  if (!node.ok()) return node.status();
  r.node = std::move(*node);
  if (auto ttl = j.find("ttl_ms"); ttl != j.end() && !ttl->is_null()) {
    if (!ttl->is_number_unsigned() || ttl->get<uint64_t>() == 0) {
      return WrongType("ttl_ms", "a positive integer (milliseconds)");
    }
    r.ttl = std::chrono::milliseconds(ttl->get<uint64_t>());
  }
  return r;
}

Json ToJson(const NodeRef& r) { return Json{{"service", r.service}, {"node_id", r.node_id}}; }

Result<NodeRef> NodeRefFromJson(const Json& j) {
  auto service = RequiredString(j, "", "service");
  if (!service.ok()) return service.status();
  auto node_id = RequiredString(j, "", "node_id");
  if (!node_id.ok()) return node_id.status();
  return NodeRef{std::move(*service), std::move(*node_id)};
}

Json ToJson(const WatchResponse& r) {
  Json out{{"epoch", r.epoch}, {"revision", r.batch.revision}};
  if (r.batch.reset) {
    Json services = Json::array();
    for (const auto& s : r.batch.snapshot) services.push_back(ToJson(s));
    out["reset"] = true;
    out["services"] = std::move(services);
  } else {
    Json events = Json::array();
    for (const auto& e : r.batch.events) events.push_back(ToJson(e));
    out["events"] = std::move(events);
  }
  return out;
}

Result<WatchResponse> WatchResponseFromJson(const Json& j) {
  WatchResponse r;
  auto epoch = RequiredString(j, "", "epoch");
  if (!epoch.ok()) return epoch.status();
  r.epoch = std::move(*epoch);
  auto revision = RequiredUint(j, "", "revision");
  if (!revision.ok()) return revision.status();
  r.batch.revision = *revision;
  if (auto reset = j.find("reset"); reset != j.end() && reset->is_boolean()) {
    r.batch.reset = reset->get<bool>();
  }
  if (r.batch.reset) {
    auto services = j.find("services");
    if (services == j.end() || !services->is_array()) return WrongType("services", "an array");
    for (size_t i = 0; i < services->size(); ++i) {
      auto s = ServiceFromJson((*services)[i], "services[" + std::to_string(i) + "]");
      if (!s.ok()) return s.status();
      r.batch.snapshot.push_back(std::move(*s));
    }
    return r;
  }
  auto events = j.find("events");
  if (events == j.end() || !events->is_array()) return WrongType("events", "an array");
  for (size_t i = 0; i < events->size(); ++i) {
    auto e = EventFromJson((*events)[i], "events[" + std::to_string(i) + "]");
    if (!e.ok()) return e.status();
    r.batch.events.push_back(std::move(*e));
  }
  return r;
}

}  // namespace micro::registry::wire

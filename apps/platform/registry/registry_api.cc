#include "platform/registry/registry_api.h"

#include <charconv>
#include <string_view>

#include "registry/platform/wire.h"

namespace micro::platform {

namespace wire = registry::wire;

namespace {

void Reply(http::Responder& res, const http::Request& req, const Status& status) {
  res(http::Response::Error(status, req.Header("x-request-id")));
}

void ReplyJson(http::Responder& res, const wire::Json& body) {
  res(http::Response::Json(200, body.dump()));
}

// An unsigned integer query parameter; `fallback` when absent.
Result<uint64_t> QueryUint(const http::Request& req, const std::string& key, uint64_t fallback) {
  auto it = req.query.find(key);
  if (it == req.query.end() || it->second.empty()) return fallback;
  uint64_t value = 0;
  const std::string& text = it->second;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return Status::InvalidArgument("query parameter '" + key +
                                   "' must be a non-negative integer, got '" + text + "'");
  }
  return value;
}

std::string QueryString(const http::Request& req, const std::string& key) {
  auto it = req.query.find(key);
  return it == req.query.end() ? "" : it->second;
}

}  // namespace

RegistryApi::RegistryApi(RegistryStore& store, runtime::ThreadPool& workers,
                         RegistryApiOptions options)
    : store_(store), workers_(workers), options_(std::move(options)), hub_(store) {}

void RegistryApi::Install(ApiRoutes& routes) {
  auto route = [this](auto handle) {
    return [this, handle](http::Request req, http::Responder res) {
      OnWorker(std::move(req), std::move(res), handle);
    };
  };
  routes.Add("POST", std::string(wire::kRegisterPath), route(&RegistryApi::HandleRegister));
  routes.Add("POST", std::string(wire::kHeartbeatPath), route(&RegistryApi::HandleHeartbeat));
  routes.Add("POST", std::string(wire::kDeregisterPath), route(&RegistryApi::HandleDeregister));
  routes.Add("GET", std::string(wire::kServicesPath), route(&RegistryApi::HandleList));
  routes.AddPrefix("GET", std::string(wire::kServicesPath) + "/", route(&RegistryApi::HandleGet));
  routes.Add("GET", std::string(wire::kWatchPath), route(&RegistryApi::HandleWatch));
  routes.Add("POST", std::string(wire::kWatchCancelPath), route(&RegistryApi::HandleWatchCancel));
}

void RegistryApi::OnWorker(http::Request req, http::Responder res,
                           void (RegistryApi::*handle)(const http::Request&, http::Responder&)) {
  auto shared =
      std::make_shared<std::pair<http::Request, http::Responder>>(std::move(req), std::move(res));
  bool posted =
      workers_.Post([this, shared, handle] { (this->*handle)(shared->first, shared->second); });
  if (!posted)
    Reply(shared->second, shared->first, Status::Unavailable("the platform is shutting down"));
}

Status RegistryApi::Authorize(const http::Request& req) const {
  return options_.authorize ? options_.authorize(req) : Status();
}

void RegistryApi::HandleRegister(const http::Request& req, http::Responder& res) {
  if (Status s = Authorize(req); !s.ok()) return Reply(res, req, s);
  auto body = wire::ParseObject(req.body);
  if (!body.ok()) return Reply(res, req, body.status());
  auto r = wire::RegisterRequestFromJson(*body);
  if (!r.ok()) return Reply(res, req, r.status());
  Status s = store_.Register(r->service, r->node, r->ttl);
  if (!s.ok()) return Reply(res, req, s);
  ReplyJson(res, wire::Json::object());
}

void RegistryApi::HandleHeartbeat(const http::Request& req, http::Responder& res) {
  if (Status s = Authorize(req); !s.ok()) return Reply(res, req, s);
  auto body = wire::ParseObject(req.body);
  if (!body.ok()) return Reply(res, req, body.status());
  auto ref = wire::NodeRefFromJson(*body);
  if (!ref.ok()) return Reply(res, req, ref.status());
  Status s = store_.Heartbeat(ref->service, ref->node_id);
  if (!s.ok()) return Reply(res, req, s);
  ReplyJson(res, wire::Json::object());
}

void RegistryApi::HandleDeregister(const http::Request& req, http::Responder& res) {
  if (Status s = Authorize(req); !s.ok()) return Reply(res, req, s);
  auto body = wire::ParseObject(req.body);
  if (!body.ok()) return Reply(res, req, body.status());
  auto ref = wire::NodeRefFromJson(*body);
  if (!ref.ok()) return Reply(res, req, ref.status());
  Status s = store_.Deregister(ref->service, ref->node_id);
  if (!s.ok()) return Reply(res, req, s);
  ReplyJson(res, wire::Json::object());
}

void RegistryApi::HandleList(const http::Request& req, http::Responder& res) {
  auto list = store_.List();
  if (!list.ok()) return Reply(res, req, list.status());
  wire::Json services = wire::Json::array();
  for (const auto& s : *list) services.push_back(wire::ToJson(s));
  ReplyJson(res, wire::Json{{"services", std::move(services)}});
}

void RegistryApi::HandleGet(const http::Request& req, http::Responder& res) {
  std::string_view tail = std::string_view(req.path).substr(wire::kServicesPath.size() + 1);
  if (tail.find('/') != std::string_view::npos) {
    return Reply(res, req, Status::NotFound("no such endpoint: GET " + req.path));
  }
  std::string name;
  if (!http::PercentDecode(tail, /*plus_is_space=*/false, &name)) {
    return Reply(res, req, Status::InvalidArgument("bad %-escape in '" + std::string(tail) + "'"));
  }
  auto service = store_.Get(name);
  if (!service.ok()) return Reply(res, req, service.status());
  ReplyJson(res, wire::ToJson(*service));
}

void RegistryApi::HandleWatch(const http::Request& req, http::Responder& res) {
  WatchHub::Poll poll;
  poll.service = QueryString(req, "service");
  poll.watch_id = QueryString(req, "watch_id");
  poll.epoch = QueryString(req, "epoch");
  if (req.query.count("since") && !req.query.at("since").empty()) {
    auto since = QueryUint(req, "since", 0);
    if (!since.ok()) return Reply(res, req, since.status());
    poll.since = *since;
  }
  auto hold = QueryUint(req, "timeout_ms", options_.default_watch_hold.count());
  if (!hold.ok()) return Reply(res, req, hold.status());
  auto hold_ms = std::min<uint64_t>(*hold, options_.max_watch_hold.count());
  poll.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(hold_ms);
  poll.responder = std::move(res);
  hub_.Submit(std::move(poll));
}

void RegistryApi::HandleWatchCancel(const http::Request& req, http::Responder& res) {
  auto body = wire::ParseObject(req.body);
  if (!body.ok()) return Reply(res, req, body.status());
  auto id = body->find("watch_id");
  if (id == body->end() || !id->is_string() || id->get<std::string>().empty()) {
    return Reply(res, req, Status::InvalidArgument("missing field 'watch_id'"));
  }
  hub_.Cancel(id->get<std::string>());
  ReplyJson(res, wire::Json::object());
}

}  // namespace micro::platform

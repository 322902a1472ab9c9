// /debug/status: who this process is, how long it has run, whether it is registered and
// ready, and how busy its worker pool is.
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "debug/pages.h"

namespace micro::debug::internal {

std::string RenderStatus(const StatusInfo& info) {
  const DebugTarget& t = *info.target;
  nlohmann::json page = {
      {"service", t.service},
      {"version", t.version},
      {"id", t.id},
      {"pid", static_cast<int64_t>(getpid())},
      {"started", Rfc3339(info.started)},
      {"uptime_seconds", std::chrono::duration<double>(info.uptime).count()},
  };
  nlohmann::json registry = {{"url", t.registry}};
  if (t.health != nullptr) {
    registry["ready"] = t.health->ready();
    registry["draining"] = t.health->draining();
    std::string reason = t.health->reason();
    if (!reason.empty()) registry["reason"] = reason;
  }
  page["registry"] = std::move(registry);
  if (t.server != nullptr) {
    runtime::ThreadPool& pool = t.server->workers();
    page["workers"] = {{"threads", pool.threads()}, {"queue_depth", pool.queue_depth()}};
    page["inflight"] = t.server->inflight();
    nlohmann::json services = nlohmann::json::array();
    for (const std::string& s : t.server->Services()) services.push_back(s);
    page["services"] = std::move(services);
  }
  if (t.rpcz) page["calls_handled"] = t.rpcz->total();
  return page.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace micro::debug::internal

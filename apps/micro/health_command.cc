// micro health SERVICE: the readiness of every registered instance, from its
// /health/ready endpoint. Exit code 0 only when every instance is ready.
#include <cstdio>

#include <micro/http/http.h>
#include <nlohmann/json.hpp>

#include "registry_options.h"

namespace micro::cli {
namespace {

int RunHealth(const Common& common, const std::string& name) {
  auto reg = OpenRegistry(common);
  if (!reg.ok()) return PrintError(reg.status()), 2;
  auto service = (*reg)->Get(name);
  if (!service.ok()) return PrintError(service.status()), 1;
  http::HttpClient client;
  int not_ready = 0;
  std::printf("%-28s %-22s %s\n", "INSTANCE", "ADDRESS", "STATUS");
  for (const auto& node : service->nodes) {
    std::string address = node.Address("http");
    std::string status;
    if (address.empty()) {
      status = "unknown (no HTTP port)";
    } else {
      auto r = client.Get(address, "/health/ready", std::chrono::milliseconds(common.timeout_ms));
      if (!r.ok()) {
        status = "unreachable: " + r.status().message();
      } else {
        // allow_exceptions=false does not cover number overflow ("1e400"): catch that too.
        nlohmann::json body;
        try {
          body = nlohmann::json::parse(r->body, nullptr, false);
        } catch (const nlohmann::json::exception&) {
          body = nlohmann::json::value_t::discarded;
        }
        status = r->status == 200 ? "ready" : "not ready";
        if (!body.is_discarded() && body.contains("reason") && body["reason"].is_string()) {
          status += " (" + body["reason"].get<std::string>() + ")";
        }
      }
    }
    if (!status.starts_with("ready")) ++not_ready;
    std::printf("%-28s %-22s %s\n", node.id.c_str(), address.c_str(), status.c_str());
  }
  return not_ready == 0 ? 0 : 1;
}

}  // namespace

void AddHealthCommand(CLI::App& app, Common& common, int& exit_code) {
  static std::string name;
  auto* cmd = app.add_subcommand("health", "Show whether each instance of a service is ready");
  AddRegistryOptions(*cmd, common);
  cmd->add_option("service", name, "service name")->required();
  cmd->callback([&common, &exit_code] { exit_code = RunHealth(common, name); });
}

}  // namespace micro::cli

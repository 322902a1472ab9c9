// micro services: one row per service — name, versions, instance count, addresses.
#include <algorithm>
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "registry_options.h"

namespace micro::cli {
namespace {

int RunServices(const Common& common, bool json) {
  auto reg = OpenRegistry(common);
  if (!reg.ok()) return PrintError(reg.status()), 2;
  auto list = (*reg)->List();
  if (!list.ok()) return PrintError(list.status()), 1;
  auto services = std::move(*list);
  std::sort(services.begin(), services.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& s : services) {
      nlohmann::json nodes = nlohmann::json::array();
      for (const auto& n : s.nodes) {
        nodes.push_back({{"id", n.id},
                         {"host", n.host},
                         {"ports", n.ports},
                         {"version", n.version},
                         {"metadata", n.metadata}});
      }
      out.push_back({{"name", s.name}, {"versions", s.versions}, {"nodes", nodes}});
    }
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  std::printf("%-24s %-12s %-9s %s\n", "SERVICE", "VERSION", "INSTANCES", "ADDRESSES");
  for (const auto& s : services) {
    std::string versions;
    for (const auto& v : s.versions) versions += (versions.empty() ? "" : ",") + v;
    std::string addresses;
    for (const auto& n : s.nodes) {
      for (const auto& [protocol, port] : n.ports) {
        addresses +=
            (addresses.empty() ? "" : " ") + protocol + "://" + n.host + ":" + std::to_string(port);
      }
    }
    std::printf("%-24s %-12s %-9zu %s\n", s.name.c_str(), versions.empty() ? "-" : versions.c_str(),
                s.nodes.size(), addresses.c_str());
  }
  return 0;
}

}  // namespace

void AddServicesCommand(CLI::App& app, Common& common, int& exit_code) {
  auto* cmd = app.add_subcommand("services", "List registered services and their instances");
  AddRegistryOptions(*cmd, common);
  static bool json = false;
  cmd->add_flag("--json", json, "print JSON instead of a table");
  cmd->callback([&common, &exit_code] { exit_code = RunServices(common, json); });
}

}  // namespace micro::cli

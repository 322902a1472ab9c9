// The renderers of the /debug pages, one per file. Internal to libmicro.
#pragma once

#include <chrono>
#include <string>

#include <micro/debug/debug.h>

namespace micro::debug::internal {

std::string Rfc3339(std::chrono::system_clock::time_point t);
std::string RenderRpcz(const Rpcz& rpcz);
std::string RenderVars(const metrics::Registry& registry);
// `config` may be null.
std::string RenderConfig(const config::Config* config);
struct StatusInfo {
  const DebugTarget* target;
  std::chrono::steady_clock::duration uptime;
  std::chrono::system_clock::time_point started;
};
std::string RenderStatus(const StatusInfo& info);

}  // namespace micro::debug::internal

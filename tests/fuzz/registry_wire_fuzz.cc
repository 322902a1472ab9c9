// Fuzz target: the JSON bodies of the platform registry API (src/registry/platform/wire.h),
// decoded by `micro platform` (register, heartbeat, deregister) and by the platform://
// plugin (service lists, watch answers). Whatever decodes must encode and decode again to
// the same value.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "registry/platform/wire.h"

namespace wire = micro::registry::wire;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto json = wire::ParseObject(text);
  if (!json.ok()) return 0;

  if (auto reg = wire::RegisterRequestFromJson(*json); reg.ok()) {
    auto back = wire::RegisterRequestFromJson(wire::ToJson(*reg));
    if (!back.ok() || !(back->node == reg->node) || back->ttl != reg->ttl) __builtin_trap();
  }
  if (auto ref = wire::NodeRefFromJson(*json); ref.ok()) {
    auto back = wire::NodeRefFromJson(wire::ToJson(*ref));
    if (!back.ok() || back->node_id != ref->node_id) __builtin_trap();
  }
  if (auto service = wire::ServiceFromJson(*json, "service"); service.ok()) {
    auto back = wire::ServiceFromJson(wire::ToJson(*service), "service");
    if (!back.ok() || back->nodes.size() != service->nodes.size()) __builtin_trap();
  }
  (void)wire::ServiceSummaryFromJson(*json, "summary");
  (void)wire::WatchResponseFromJson(*json);
  return 0;
}

#include "registry_options.h"

namespace micro::cli {

void AddRegistryOptions(CLI::App& cmd, Common& common) {
  cmd.add_option("--registry", common.registry, "registry URL (memory://, platform://host:port)")
      ->envname("MICRO_REGISTRY")
      ->capture_default_str();
  cmd.add_option("--timeout-ms", common.timeout_ms, "timeout of each request")
      ->capture_default_str();
}

Result<std::unique_ptr<registry::Registry>> OpenRegistry(const Common& common) {
  return registry::NewRegistry(common.registry);
}

void PrintError(const Status& status) {
  std::fprintf(stderr, "error: %s\n", status.ToString().c_str());
}

}  // namespace micro::cli

// Built-in registry plugins, listed in one place (registered by RegisterBuiltinRegistries).
// Internal to libmicro.
#pragma once

#include <memory>

#include <micro/core/result.h>
#include <micro/core/url.h>
#include <micro/registry/registry.h>

namespace micro::registry {

// memory:// or memory:///<name> — in-process, src/registry/memory/.
Result<std::unique_ptr<Registry>> NewMemoryRegistry(const Url& url);
// platform://host:port[,host:port...] — the `micro platform` HTTP API, src/registry/platform/.
Result<std::unique_ptr<Registry>> NewPlatformRegistry(const Url& url);

}  // namespace micro::registry

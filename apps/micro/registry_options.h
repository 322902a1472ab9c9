// Registry access shared by the commands that look services up.
#pragma once

#include <cstdio>
#include <memory>

#include <micro/registry/registry.h>

#include "commands.h"

namespace micro::cli {

void AddRegistryOptions(CLI::App& cmd, Common& common);
Result<std::unique_ptr<registry::Registry>> OpenRegistry(const Common& common);
// "error: UNAVAILABLE: ..." on stderr.
void PrintError(const Status& status);

}  // namespace micro::cli

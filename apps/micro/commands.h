// The `micro` CLI's subcommands. Each Add*Command() declares its options on `app` and sets
// a callback that runs the command and stores its exit code in `exit_code`.
#pragma once

#include <CLI/CLI.hpp>

namespace micro::cli {

// Options every command that talks to the registry shares.
struct Common {
  std::string registry = "platform://127.0.0.1:7700";
  int timeout_ms = 5000;
};

void AddPlatformCommand(CLI::App& app, int& exit_code);
void AddServicesCommand(CLI::App& app, Common& common, int& exit_code);
void AddCallCommand(CLI::App& app, Common& common, int& exit_code);
void AddHealthCommand(CLI::App& app, Common& common, int& exit_code);
void AddTraceCommand(CLI::App& app, Common& common, int& exit_code);

}  // namespace micro::cli

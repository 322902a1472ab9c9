// micro: the command-line tool of micro-cpp.
//
//   micro platform                       run the platform (registry) on 127.0.0.1:7700
//   micro services                       list services, versions, instances, addresses
//   micro call greeter helloworld.Greeter/SayHello '{"name":"Alice"}'
//   micro health greeter                 readiness of every instance
//   micro trace 5b8efff798038103d269b633813fc60c   a trace as a waterfall
#include <cstdio>

#include "commands.h"

int main(int argc, char** argv) {
  CLI::App app{"micro: run the platform and inspect and call services"};
  app.require_subcommand(1);
  micro::cli::Common common;
  int exit_code = 0;
  micro::cli::AddPlatformCommand(app, exit_code);
  micro::cli::AddServicesCommand(app, common, exit_code);
  micro::cli::AddCallCommand(app, common, exit_code);
  micro::cli::AddHealthCommand(app, common, exit_code);
  micro::cli::AddTraceCommand(app, common, exit_code);
  CLI11_PARSE(app, argc, argv);
  return exit_code;
}

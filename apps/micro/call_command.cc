// micro call SERVICE METHOD JSON: calls any method of any service with no generated stubs,
// over the service's HTTP/JSON transport (the same handlers as gRPC).
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include <micro/http/http.h>

#include "registry_options.h"

namespace micro::cli {
namespace {

// "helloworld.Greeter/SayHello", "/Greeter/SayHello" or go-micro's "Greeter.SayHello"
// -> "/helloworld.Greeter/SayHello" / "/Greeter/SayHello".
Result<std::string> MethodPath(std::string method) {
  if (method.starts_with("/")) method.erase(0, 1);
  if (method.find('/') == std::string::npos) {
    size_t dot = method.rfind('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == method.size()) {
      return Status::InvalidArgument(
          "METHOD must look like package.Service/Method or "
          "Service.Method, got '" +
          method + "'");
    }
    method[dot] = '/';
  }
  return "/" + method;
}

struct CallArgs {
  std::string service;
  std::string method;
  std::string body = "{}";
  std::string address;
  std::vector<std::string> metadata;
};

int RunCall(const Common& common, const CallArgs& args) {
  auto path = MethodPath(args.method);
  if (!path.ok()) return PrintError(path.status()), 2;

  std::string address = args.address;
  if (address.empty()) {
    auto reg = OpenRegistry(common);
    if (!reg.ok()) return PrintError(reg.status()), 2;
    auto service = (*reg)->Get(args.service);
    if (!service.ok()) {
      if (service.status().code() == StatusCode::kNotFound) {
        return PrintError(Status::Unavailable("no instances of service '" + args.service +
                                              "' are registered")),
               1;
      }
      return PrintError(service.status()), 1;
    }
    std::vector<std::string> candidates;
    for (const auto& n : service->nodes) {
      if (auto a = n.Address("http"); !a.empty()) candidates.push_back(a);
    }
    if (candidates.empty()) {
      return PrintError(
                 Status::Unavailable("no instance of '" + args.service + "' serves HTTP/JSON")),
             1;
    }
    std::mt19937 rng(std::random_device{}());
    address = candidates[rng() % candidates.size()];
  }

  http::Headers headers = {{"content-type", "application/json"},
                           {"x-micro-timeout-ms", std::to_string(common.timeout_ms)}};
  for (const auto& kv : args.metadata) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      return PrintError(Status::InvalidArgument("--metadata expects key=value, got '" + kv + "'")),
             2;
    }
    headers.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
  http::HttpClient client;
  auto response = client.Do(address, "POST", *path, args.body, headers,
                            std::chrono::milliseconds(common.timeout_ms));
  if (!response.ok()) return PrintError(response.status()), 1;
  if (response->status != 200) {
    std::fprintf(stderr, "error: HTTP %d %s\n", response->status, response->body.c_str());
    return 1;
  }
  std::printf("%s\n", response->body.c_str());
  return 0;
}

}  // namespace

void AddCallCommand(CLI::App& app, Common& common, int& exit_code) {
  static CallArgs args;
  auto* cmd = app.add_subcommand("call", "Call a method of a service with a JSON request");
  AddRegistryOptions(*cmd, common);
  cmd->add_option("service", args.service, "service name, e.g. greeter")->required();
  cmd->add_option("method", args.method, "package.Service/Method or Service.Method")->required();
  cmd->add_option("request", args.body, "request as JSON (default {})");
  cmd->add_option("--address", args.address, "call this host:port (HTTP) instead of resolving");
  cmd->add_option("--metadata", args.metadata, "key=value sent as metadata; repeatable");
  cmd->callback([&common, &exit_code] { exit_code = RunCall(common, args); });
}

}  // namespace micro::cli

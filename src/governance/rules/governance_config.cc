// ParseGovernance: the `governance` tree, split into its client and server sections.
#include <micro/governance/rules.h>

#include "governance/rules/reader.h"
#include "governance/rules/sections.h"

namespace micro::governance {

using rules_internal::MapReader;

namespace {

Status ParseClient(const config::Value& value, const std::string& path, ClientGovernance& out) {
  auto client = MapReader::Open(value, path,
                                {"selector", "zone", "lanes", "services", "retry", "hedging",
                                 "breaker", "endpoint_breaker", "outlier"});
  if (!client.ok()) return client.status();
  MICRO_RETURN_IF_ERROR(rules_internal::ParseRouting(*client, out.routing));
  if (const config::Value* v = client->Find("retry")) {
    auto retry = rules_internal::ParseRetry(*v, client->PathOf("retry"));
    if (!retry.ok()) return retry.status();
    out.retry = std::move(*retry);
  }
  if (const config::Value* v = client->Find("hedging")) {
    auto hedging = rules_internal::ParseHedging(*v, client->PathOf("hedging"));
    if (!hedging.ok()) return hedging.status();
    out.hedging = std::move(*hedging);
    if (out.retry) {
      MICRO_RETURN_IF_ERROR(
          rules_internal::CheckHedgingBesideRetry(*out.hedging, out.retry->rules, path));
    }
  }
  if (const config::Value* v = client->Find("breaker")) {
    auto breaker = rules_internal::ParseBreaker(*v, client->PathOf("breaker"), /*methods=*/true);
    if (!breaker.ok()) return breaker.status();
    out.breaker = std::move(*breaker);
  }
  if (const config::Value* v = client->Find("endpoint_breaker")) {
    auto breaker =
        rules_internal::ParseBreaker(*v, client->PathOf("endpoint_breaker"), /*methods=*/false);
    if (!breaker.ok()) return breaker.status();
    out.endpoint_breaker = std::move(*breaker);
  }
  if (const config::Value* v = client->Find("outlier")) {
    auto outlier = rules_internal::ParseOutlier(*v, client->PathOf("outlier"));
    if (!outlier.ok()) return outlier.status();
    out.outlier = std::move(*outlier);
  }
  return {};
}

Status ParseServer(const config::Value& value, const std::string& path, ServerGovernance& out) {
  auto server = MapReader::Open(value, path, {"rate_limit", "bulkhead", "shedding"});
  if (!server.ok()) return server.status();
  if (const config::Value* v = server->Find("rate_limit")) {
    MICRO_RETURN_IF_ERROR(rules_internal::ParseRateLimit(*v, server->PathOf("rate_limit"), out));
  }
  if (const config::Value* v = server->Find("bulkhead")) {
    auto bulkheads = rules_internal::ParseBulkhead(*v, server->PathOf("bulkhead"));
    if (!bulkheads.ok()) return bulkheads.status();
    out.bulkhead = std::move(*bulkheads);
  }
  if (const config::Value* v = server->Find("shedding")) {
    auto shedding = rules_internal::ParseShedding(*v, server->PathOf("shedding"));
    if (!shedding.ok()) return shedding.status();
    out.shedding = std::move(*shedding);
  }
  return {};
}

}  // namespace

Result<GovernanceConfig> ParseGovernance(const config::Value& tree, std::string_view path) {
  GovernanceConfig out;
  auto root = MapReader::Open(tree, std::string(path), {"client", "server"});
  if (!root.ok()) return root.status();
  if (const config::Value* v = root->Find("client")) {
    MICRO_RETURN_IF_ERROR(ParseClient(*v, root->PathOf("client"), out.client));
  }
  if (const config::Value* v = root->Find("server")) {
    MICRO_RETURN_IF_ERROR(ParseServer(*v, root->PathOf("server"), out.server));
  }
  return out;
}

}  // namespace micro::governance

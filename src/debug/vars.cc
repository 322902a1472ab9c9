// /debug/vars: the same families GET /metrics exposes, as JSON.
#include <cmath>

#include <micro/metrics/metrics.h>
#include <nlohmann/json.hpp>

#include "debug/pages.h"

namespace micro::debug::internal {

namespace {

// JSON has no NaN or infinities: they are written as Prometheus spells them.
nlohmann::json Number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return v;
}

}  // namespace

std::string RenderVars(const metrics::Registry& registry) {
  // {"<family>": {"type": "counter", "help": "...",
  //               "samples": [{"name": "...", "labels": {...}, "value": 1}]}}
  nlohmann::json page = nlohmann::json::object();
  for (const metrics::FamilySnapshot& f : registry.Gather()) {
    nlohmann::json samples = nlohmann::json::array();
    for (const metrics::Sample& s : f.samples) {
      nlohmann::json labels = nlohmann::json::object();
      for (const auto& [k, v] : s.labels) labels[k] = v;
      samples.push_back(
          {{"name", s.name}, {"labels", std::move(labels)}, {"value", Number(s.value)}});
    }
    page[f.name] = {{"type", std::string(metrics::MetricTypeName(f.type))},
                    {"help", f.help},
                    {"samples", std::move(samples)}};
  }
  return page.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace micro::debug::internal

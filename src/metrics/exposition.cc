// The Prometheus text exposition format, version 0.0.4:
// https://prometheus.io/docs/instrumenting/exposition_formats/
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include <micro/metrics/metrics.h>

#include "metrics/format.h"

namespace micro::metrics {

namespace {

// HELP text escapes '\' and newline; label values also escape '"'.
void AppendEscaped(std::string* out, std::string_view text, bool quote) {
  for (char c : text) {
    switch (c) {
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '"':
        if (quote) {
          out->append("\\\"");
        } else {
          out->push_back(c);
        }
        break;
      default:
        out->push_back(c);
    }
  }
}

}  // namespace

namespace internal {

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  int n = 0;
  if (v == std::trunc(v) && std::fabs(v) < 1e15) {
    n = std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    for (int precision = 1; precision <= 17; ++precision) {
      n = std::snprintf(buf, sizeof buf, "%.*g", precision, v);
      if (std::strtod(buf, nullptr) == v) break;
    }
  }
  return std::string(buf, n);
}

}  // namespace internal

std::string RenderText(const std::vector<FamilySnapshot>& families) {
  std::string out;
  out.reserve(families.size() * 256);
  for (size_t i = 0; i < families.size(); ++i) {
    const FamilySnapshot& f = families[i];
    // A name gathered twice (two collectors) is one family: one HELP/TYPE block.
    bool continues = i > 0 && families[i - 1].name == f.name;
    if (!continues) {
      out.append("# HELP ").append(f.name).push_back(' ');
      AppendEscaped(&out, f.help, false);
      out.append("\n# TYPE ").append(f.name).push_back(' ');
      out.append(MetricTypeName(f.type)).push_back('\n');
    }
    for (const Sample& s : f.samples) {
      out.append(s.name);
      if (!s.labels.empty()) {
        out.push_back('{');
        for (size_t l = 0; l < s.labels.size(); ++l) {
          if (l > 0) out.push_back(',');
          out.append(s.labels[l].first).append("=\"");
          AppendEscaped(&out, s.labels[l].second, true);
          out.push_back('"');
        }
        out.push_back('}');
      }
      out.push_back(' ');
      out.append(internal::FormatValue(s.value));
      out.push_back('\n');
    }
  }
  return out;
}

}  // namespace micro::metrics

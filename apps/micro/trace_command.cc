// micro trace: one trace from the platform's trace store as an indented waterfall, or a list
// of recent traces (docs/traces.md).
//
//   micro trace 5b8efff798038103d269b633813fc60c
//   micro trace --service checkout --error --min-duration 100ms
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <micro/http/http.h>

#include "commands.h"
#include "platform/traces/otlp_json.h"
#include "registry_options.h"

namespace micro::cli {
namespace {

using Json = nlohmann::json;

struct TraceArgs {
  std::string trace_id;
  std::string platform = "127.0.0.1:7700";
  std::string service;
  std::string operation;
  std::string min_duration;
  std::string lookback;
  bool errors_only = false;
  size_t limit = 20;
  size_t width = 40;
  bool json = false;
};

// "host:port" from "host:port", "http://host:port/" or "platform://host:port".
std::string HostPort(std::string url) {
  for (const char* scheme : {"http://", "platform://"}) {
    if (url.rfind(scheme, 0) == 0) url = url.substr(std::char_traits<char>::length(scheme));
  }
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

std::string FormatDuration(uint64_t ns) {
  char buf[32];
  if (ns < 1000) {
    std::snprintf(buf, sizeof(buf), "%lluns", static_cast<unsigned long long>(ns));
  } else if (ns < 1000000) {
    std::snprintf(buf, sizeof(buf), "%.1fus", ns / 1e3);
  } else if (ns < 1000000000) {
    std::snprintf(buf, sizeof(buf), "%.2fms", ns / 1e6);
  } else {
    std::snprintf(buf, sizeof(buf), "%.3fs", ns / 1e9);
  }
  return buf;
}

std::string FormatTime(uint64_t unix_ns) {
  std::time_t secs = static_cast<std::time_t>(unix_ns / 1000000000);
  std::tm tm{};
  localtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof(out), "%s.%03llu", buf,
                static_cast<unsigned long long>(unix_ns / 1000000 % 1000));
  return out;
}

uint64_t Uint(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return 0;
  if (it->is_number_unsigned()) return it->get<uint64_t>();
  if (it->is_string()) return std::strtoull(it->get_ref<const std::string&>().c_str(), nullptr, 10);
  return 0;
}

// Display columns of UTF-8 text (one per code point: span names are rarely wide).
size_t Columns(const std::string& s) {
  return std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; });
}

std::string Fit(const std::string& s, size_t width) {
  size_t cols = Columns(s);
  if (cols <= width) return s + std::string(width - cols, ' ');
  // Cut at a code point boundary, leaving room for "...".
  std::string out;
  size_t taken = 0;
  for (size_t i = 0; i < s.size() && taken < width - 3; ++i) {
    if ((s[i] & 0xC0) != 0x80) ++taken;
    out.push_back(s[i]);
    while (i + 1 < s.size() && (s[i + 1] & 0xC0) == 0x80) out.push_back(s[++i]);
  }
  return out + "...";
}

struct Row {
  const Json* span;
  size_t depth;
};

// Spans in tree order: children under their parent, siblings by start time; spans whose
// parent is missing (not exported, or evicted) start trees of their own.
std::vector<Row> TreeOrder(const Json& spans) {
  std::map<std::string, std::vector<const Json*>> children;
  std::set<std::string> ids;
  for (const auto& s : spans) ids.insert(s.value("span_id", ""));
  std::vector<const Json*> roots;
  for (const auto& s : spans) {
    std::string parent = s.value("parent_span_id", "");
    if (parent.empty() || ids.count(parent) == 0 || parent == s.value("span_id", "")) {
      roots.push_back(&s);
    } else {
      children[parent].push_back(&s);
    }
  }
  auto by_start = [](const Json* a, const Json* b) {
    return Uint(*a, "start_unix_nano") < Uint(*b, "start_unix_nano");
  };
  std::stable_sort(roots.begin(), roots.end(), by_start);
  for (auto& [id, list] : children) std::stable_sort(list.begin(), list.end(), by_start);

  std::vector<Row> rows;
  std::set<const Json*> seen;
  std::function<void(const Json*, size_t)> visit = [&](const Json* s, size_t depth) {
    if (!seen.insert(s).second) return;
    rows.push_back({s, depth});
    auto it = children.find(s->value("span_id", ""));
    if (it == children.end()) return;
    for (const Json* c : it->second) visit(c, depth + 1);
  };
  for (const Json* r : roots) visit(r, 0);
  // Spans in a parent cycle are reachable from no root: list them anyway.
  for (const auto& s : spans) {
    if (!seen.count(&s)) visit(&s, 0);
  }
  return rows;
}

void PrintWaterfall(const Json& trace, size_t width) {
  const Json& spans = trace["spans"];
  uint64_t t0 = UINT64_MAX, t1 = 0;
  std::set<std::string> services;
  size_t errors = 0;
  for (const auto& s : spans) {
    t0 = std::min(t0, Uint(s, "start_unix_nano"));
    t1 = std::max(t1, Uint(s, "end_unix_nano"));
    services.insert(s.value("service", ""));
    if (s["status"].value("code", 0) == 2) ++errors;
  }
  uint64_t total = t1 > t0 ? t1 - t0 : 1;
  std::printf("Trace %s  %zu spans  %zu services  %s  %s\n", trace.value("trace_id", "").c_str(),
              spans.size(), services.size(), FormatDuration(t1 - t0).c_str(),
              errors == 0 ? "no errors" : (std::to_string(errors) + " errors").c_str());
  std::printf("started %s\n\n", FormatTime(t0).c_str());

  auto rows = TreeOrder(spans);
  std::vector<std::string> labels;
  size_t label_width = 9;
  for (const Row& r : rows) {
    labels.push_back(std::string(2 * r.depth, ' ') + r.span->value("service", "") + " " +
                     r.span->value("name", ""));
    label_width = std::max(label_width, Columns(labels.back()));
  }
  label_width = std::min<size_t>(label_width, 64);
  width = std::clamp<size_t>(width, 10, 400);

  std::string total_text = FormatDuration(total);
  std::string axis =
      "0" + std::string(width > total_text.size() + 1 ? width - total_text.size() - 1 : 1, ' ') +
      total_text;
  std::printf("%s  %10s  |%s|\n", Fit("SPAN", label_width + 2).c_str(), "DURATION", axis.c_str());
  for (size_t i = 0; i < rows.size(); ++i) {
    const Json& s = *rows[i].span;
    uint64_t start = Uint(s, "start_unix_nano"), end = Uint(s, "end_unix_nano");
    auto col = [&](uint64_t t, bool up) {
      double x = static_cast<double>(t - t0) * width / total;
      return static_cast<size_t>(
          std::clamp(up ? std::ceil(x) : std::floor(x), 0.0, static_cast<double>(width)));
    };
    size_t from = std::min(col(start, false), width - 1);
    size_t to = std::max(col(end, true), from + 1);
    std::string bar;
    for (size_t c = 0; c < width; ++c) bar += c >= from && c < to ? "\u2588" : " ";
    bool error = s["status"].value("code", 0) == 2;
    std::string message = s["status"].value("message", "");
    std::printf("%s %s  %10s  |%s|%s\n", Fit(labels[i], label_width).c_str(), error ? "!" : " ",
                FormatDuration(end > start ? end - start : 0).c_str(), bar.c_str(),
                error ? ("  error" + (message.empty() ? "" : ": " + message)).c_str() : "");
  }
}

void PrintList(const Json& answer) {
  const Json& traces = answer["traces"];
  if (traces.empty()) {
    std::printf("no traces found\n");
    return;
  }
  std::printf("%-32s  %-23s  %10s  %5s  %6s  %s\n", "TRACE ID", "START", "DURATION", "SPANS",
              "ERRORS", "ROOT");
  for (const auto& t : traces) {
    std::printf("%-32s  %-23s  %10s  %5llu  %6llu  %s: %s\n", t.value("trace_id", "").c_str(),
                FormatTime(Uint(t, "start_unix_nano")).c_str(),
                FormatDuration(Uint(t, "duration_ns")).c_str(),
                static_cast<unsigned long long>(Uint(t, "span_count")),
                static_cast<unsigned long long>(Uint(t, "error_count")),
                t.value("root_service", "").c_str(), t.value("root_name", "").c_str());
  }
}

// GETs `target` from the platform: the JSON answer, or a Status (the platform's JSON error).
Result<Json> Fetch(const TraceArgs& args, const Common& common, const std::string& target) {
  http::HttpClient client;
  auto r =
      client.Get(HostPort(args.platform), target, std::chrono::milliseconds(common.timeout_ms));
  if (!r.ok()) return r.status();
  Json body = Json::parse(r->body, nullptr, /*allow_exceptions=*/false);
  if (r->status != 200) {
    std::string message = body.is_object() ? body.value("message", r->body) : r->body;
    std::string code = body.is_object() ? body.value("code", "") : "";
    return Status(code == "NOT_FOUND" ? StatusCode::kNotFound : StatusCode::kUnavailable,
                  "platform answered " + std::to_string(r->status) + ": " + message);
  }
  if (!body.is_object()) return Status::Internal("the platform's answer is not JSON: " + r->body);
  return body;
}

int RunTrace(const TraceArgs& args, const Common& common) {
  if (!args.trace_id.empty()) {
    std::string id = platform::traces::NormalizeId(args.trace_id, 16);
    if (id.empty() || args.trace_id.size() != 32) {
      std::fprintf(stderr, "error: TRACE_ID must be 32 hex digits, got '%s'\n",
                   args.trace_id.c_str());
      return 2;
    }
    auto trace = Fetch(args, common, "/v1/traces/" + id);
    if (!trace.ok()) return PrintError(trace.status()), 1;
    if (args.json) {
      std::printf("%s\n", trace->dump(2).c_str());
    } else {
      PrintWaterfall(*trace, args.width);
    }
    return 0;
  }
  std::string target = "/v1/traces?limit=" + std::to_string(args.limit);
  auto add = [&](const char* key, const std::string& value) {
    if (!value.empty()) target += std::string("&") + key + "=" + http::PercentEncode(value);
  };
  add("service", args.service);
  add("operation", args.operation);
  add("min_duration", args.min_duration);
  add("lookback", args.lookback);
  if (args.errors_only) target += "&error=true";
  auto list = Fetch(args, common, target);
  if (!list.ok()) return PrintError(list.status()), 1;
  if (args.json) {
    std::printf("%s\n", list->dump(2).c_str());
  } else {
    PrintList(*list);
  }
  return 0;
}

}  // namespace

void AddTraceCommand(CLI::App& app, Common& common, int& exit_code) {
  static TraceArgs args;
  auto* cmd = app.add_subcommand(
      "trace", "Show a trace as a waterfall (micro trace ID), or list recent traces");
  cmd->add_option("TRACE_ID", args.trace_id, "trace id (32 hex digits); none: list traces");
  cmd->add_option("--platform", args.platform, "the platform's address (host:port)")
      ->envname("MICRO_PLATFORM")
      ->capture_default_str();
  cmd->add_option("--service", args.service, "list: traces with a span of this service");
  cmd->add_option("--operation", args.operation, "list: ... with a span of this name");
  cmd->add_option("--min-duration", args.min_duration,
                  "list: ... with a span at least this long (250ms, 2s)");
  cmd->add_flag("--error", args.errors_only, "list: ... with a failed span");
  cmd->add_option("--lookback", args.lookback, "list: only traces of the last 1h, 30m, ...");
  cmd->add_option("--limit", args.limit, "list: at most this many traces")->capture_default_str();
  cmd->add_option("--width", args.width, "width of the waterfall's bars")->capture_default_str();
  cmd->add_flag("--json", args.json, "print the platform's JSON instead");
  cmd->add_option("--timeout-ms", common.timeout_ms, "timeout of the request")
      ->capture_default_str();
  cmd->callback([&common, &exit_code] { exit_code = RunTrace(args, common); });
}

}  // namespace micro::cli

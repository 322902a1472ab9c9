// /debug/config: every key of the effective configuration, its value and the layer that
// set it, with secrets redacted.
#include <nlohmann/json.hpp>

#include "debug/pages.h"
#include "log/text.h"

namespace micro::debug::internal {

namespace {

using log::internal::kRedacted;

// "flag:--x" -> "flags", "env:MICRO_X" -> "env", "file:/a.yaml" -> "file",
// "default" -> "defaults"; a remote source's name is "remote".
std::string LayerOf(const std::string& source) {
  if (source.empty()) return "";
  if (source == "default" || source.starts_with("default")) return "defaults";
  if (source.starts_with("flag")) return "flags";
  if (source.starts_with("env")) return "env";
  if (source.starts_with("file")) return "file";
  return "remote";
}

// Strings lose any enc(...), URL password, bearer token or key=secret they hold.
nlohmann::json ToJson(const config::Value& v, bool* redacted) {
  using Kind = config::Value::Kind;
  switch (v.kind()) {
    case Kind::kNull:
      return nullptr;
    case Kind::kBool:
      return v.as_bool();
    case Kind::kInt:
      return v.as_int();
    case Kind::kDouble:
      return v.as_double();
    case Kind::kString: {
      std::string scrubbed;
      if (log::internal::ScrubSecrets(v.as_string(), scrubbed)) {
        *redacted = true;
        return scrubbed;
      }
      return v.as_string();
    }
    case Kind::kList: {
      nlohmann::json a = nlohmann::json::array();
      for (const auto& e : v.as_list()) a.push_back(ToJson(e, redacted));
      return a;
    }
    case Kind::kMap: {
      nlohmann::json o = nlohmann::json::object();
      for (const auto& [k, e] : v.as_map()) {
        if (log::internal::IsSecretKey(k)) {
          *redacted = true;
          o[k] = kRedacted;
        } else {
          o[k] = ToJson(e, redacted);
        }
      }
      return o;
    }
  }
  return nullptr;
}

}  // namespace

std::string RenderConfig(const config::Config* config) {
  // {"keys": {"server.port": {"value": 8080, "source": "flag:--server.port",
  //                           "layer": "flags"}, ...}, "last_reload": "OK"}
  nlohmann::json keys = nlohmann::json::object();
  nlohmann::json page = {{"keys", nullptr}};
  if (config != nullptr) {
    for (const std::string& key : config->Keys()) {
      auto value = config->GetValue(key);
      if (!value.ok()) continue;  // removed by a reload meanwhile
      bool secret = log::internal::IsSecretKey(key);
      // A secret that is empty says "not set", which is worth seeing and gives nothing away.
      bool empty = value->kind() == config::Value::Kind::kString && value->as_string().empty();
      std::string source = config->SourceOf(key);
      bool redacted = secret && !empty;
      nlohmann::json shown = redacted ? nlohmann::json(kRedacted) : ToJson(*value, &redacted);
      keys[key] = {{"value", std::move(shown)}, {"source", source}, {"layer", LayerOf(source)}};
      if (redacted) keys[key]["redacted"] = true;
    }
    Status last = config->LastReloadStatus();
    page["last_reload"] = last.ok() ? "OK" : last.ToString();
  }
  page["keys"] = std::move(keys);
  return page.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace micro::debug::internal

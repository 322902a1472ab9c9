// The built-in layers of Config. Internal to libmicro; Config::Load builds them from
// LoadOptions, and "file" is also a plugin in SourcePlugins().
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <micro/config/source.h>
#include <micro/core/url.h>

namespace micro::config {

// "default": dotted keys -> values. INVALID_ARGUMENT for a malformed key.
Result<std::unique_ptr<Source>> NewDefaultsSource(const std::map<std::string, Value>& defaults);

// "file:/abs/path": a YAML or JSON file, watched through its directory.
std::unique_ptr<Source> NewFileSource(const std::string& path);
// file:///abs/path.yaml (SourcePlugins factory).
Result<std::unique_ptr<Source>> NewFileSourceFromUrl(const Url& url);

// "env:MICRO_*": variables starting with `prefix`; '_' separates segments, "__" is a '_'.
std::unique_ptr<Source> NewEnvSource(std::string prefix);
// The variable that sets `key` under `prefix`: server.max_body -> MICRO_SERVER_MAX__BODY.
std::string EnvNameForKey(std::string_view prefix, std::string_view key);

// "flags": --key=value, --key value, --key (= "true"); "--" ends the flags.
std::unique_ptr<Source> NewFlagSource(std::vector<std::string> args);

}  // namespace micro::config

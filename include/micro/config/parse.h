// Parsing configuration documents (YAML or JSON) into a Value tree, as the file layer of
// Config does. Exposed for tools that validate a file before it is deployed
// (`micro config validate app.yaml`) and for the fuzz target.
//
//   auto tree = micro::config::ParseDocument(text, micro::config::FormatFromPath(path));
//   if (!tree.ok()) std::cerr << tree.status().message();   // "line 3, column 7: ..."
//
// The result's root is always a map. Dotted keys in a document nest ("server.port: 80"
// equals "server: {port: 80}"). YAML plain scalars are typed by the YAML 1.2 core schema
// (8080 is an integer, true a bool, ~ null); quoted scalars stay strings. Stateless and
// thread-safe.
#pragma once

#include <string_view>

#include <micro/config/value.h>
#include <micro/core/result.h>

namespace micro::config {

enum class Format {
  kAuto,  // JSON when the first non-blank character is '{', YAML otherwise
  kYaml,
  kJson,
};

// kYaml for .yaml/.yml, kJson for .json, kAuto for anything else.
Format FormatFromPath(std::string_view path);

// INVALID_ARGUMENT with the line and column of the first error; also for a top level that
// is not a map, an empty key segment ("a..b"), nesting deeper than 64 levels, or more than
// 100,000 nodes (YAML alias bombs).
Result<Value> ParseDocument(std::string_view text, Format format = Format::kAuto);

}  // namespace micro::config

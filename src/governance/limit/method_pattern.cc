// Method patterns shared by the governance interceptors.
#include <string>

#include "governance/limit/method_table.h"

namespace micro::governance::internal {

bool MethodMatches(std::string_view pattern, const server::Method& m) {
  if (pattern == "*") return true;
  if (pattern.size() < 2 || pattern[0] != '/') return false;
  pattern.remove_prefix(1);
  if (!pattern.starts_with(m.service)) return false;
  pattern.remove_prefix(m.service.size());
  if (pattern.empty() || pattern[0] != '/') return false;
  pattern.remove_prefix(1);
  return pattern == "*" || pattern == m.name;
}

Status ValidateMethodPattern(std::string_view pattern, std::string_view field) {
  if (pattern == "*") return Status::Ok();
  size_t slash = pattern.size() < 2 ? std::string_view::npos : pattern.find('/', 1);
  if (pattern.empty() || pattern[0] != '/' || slash == std::string_view::npos || slash == 1 ||
      slash + 1 == pattern.size() || pattern.find('/', slash + 1) != std::string_view::npos) {
    return Status::InvalidArgument(std::string(field) +
                                   ": want \"*\", \"/pkg.Service/*\" or \"/pkg.Service/Method\", "
                                   "got \"" +
                                   std::string(pattern) + "\"");
  }
  return Status::Ok();
}

}  // namespace micro::governance::internal

#include <micro/governance/code_set.h>

namespace micro::governance {

std::vector<std::string> CodeSet::Names() const {
  std::vector<std::string> names;
  for (int c = 0; c < 32; ++c) {
    if (bits_ & (uint32_t{1} << c)) {
      names.emplace_back(StatusCodeName(static_cast<StatusCode>(c)));
    }
  }
  return names;
}

Result<CodeSet> CodeSet::FromNames(const std::vector<std::string>& names) {
  CodeSet set;
  for (const auto& name : names) {
    auto code = StatusCodeFromName(name);
    if (!code) return Status::InvalidArgument("unknown status code \"" + name + "\"");
    set.Add(*code);
  }
  return set;
}

}  // namespace micro::governance

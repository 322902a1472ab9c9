#include <utility>

#include "config/sources.h"
#include "config/tree.h"

namespace micro::config {

namespace {

class FlagSource : public Source {
 public:
  explicit FlagSource(std::vector<std::string> args) : args_(std::move(args)) {}

  // config::Source
  std::string name() const override { return "flags"; }

  Result<Tree> Load() override {
    Tree tree;
    for (size_t i = 0; i < args_.size(); ++i) {
      const std::string& flag = args_[i];
      std::string_view arg = flag;
      if (arg == "--") break;
      if (!arg.starts_with("--")) continue;  // positional or short flags: not ours
      arg.remove_prefix(2);
      std::string key;
      std::string value;
      if (size_t eq = arg.find('='); eq != std::string_view::npos) {
        key = arg.substr(0, eq);
        value = arg.substr(eq + 1);
      } else if (i + 1 < args_.size() && !args_[i + 1].starts_with("--")) {
        key = arg;
        value = args_[++i];
      } else {
        key = arg;
        value = "true";
      }
      Status s = SetPath(tree.root, key, Value(std::move(value)));
      if (!s.ok()) return Status::InvalidArgument("flag " + flag + ": " + s.message());
      tree.origins[key] = "flag:--" + key;
    }
    return tree;
  }

 private:
  const std::vector<std::string> args_;
};

}  // namespace

std::unique_ptr<Source> NewFlagSource(std::vector<std::string> args) {
  return std::make_unique<FlagSource>(std::move(args));
}

}  // namespace micro::config

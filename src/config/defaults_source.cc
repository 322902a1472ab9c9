#include "config/sources.h"
#include "config/tree.h"

namespace micro::config {

namespace {

class DefaultsSource : public Source {
 public:
  explicit DefaultsSource(Tree tree) : tree_(std::move(tree)) {}

  // config::Source
  std::string name() const override { return "default"; }
  Result<Tree> Load() override { return tree_; }

 private:
  const Tree tree_;
};

}  // namespace

Result<std::unique_ptr<Source>> NewDefaultsSource(const std::map<std::string, Value>& defaults) {
  Tree tree;
  for (const auto& [key, value] : defaults) {
    Status s = SetPath(tree.root, key, value);
    if (!s.ok()) return Status::InvalidArgument("defaults: " + s.message());
  }
  return std::unique_ptr<Source>(new DefaultsSource(std::move(tree)));
}

}  // namespace micro::config

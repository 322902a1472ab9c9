// Registry nodes for selector and routing tests: `n0..n{N-1}` on 127.0.0.1, with the
// candidate view (pointers) a Selector takes.
//
//   auto nodes = micro::testing::NodesOf(3);
//   nodes.at(1).metadata["zone"] = "b";
//   auto picked = selector->Select(nodes.view(), ctx);
#pragma once

#include <string>
#include <vector>

#include <micro/registry/registry.h>
#include <micro/selector/selector.h>

namespace micro::testing {

class TestNodes {
 public:
  explicit TestNodes(std::vector<registry::Node> nodes) : nodes_(std::move(nodes)) {}
  // Nodes may be edited (metadata, weights) until the first view() call.
  registry::Node& at(size_t i) { return nodes_.at(i); }
  const std::vector<registry::Node>& nodes() const { return nodes_; }
  size_t size() const { return nodes_.size(); }
  // Index of a node returned by a selector.
  size_t IndexOf(const registry::Node* n) const { return static_cast<size_t>(n - nodes_.data()); }

  selector::Candidates view() {
    pointers_.clear();
    for (const auto& n : nodes_) pointers_.push_back(&n);
    return pointers_;
  }
  std::vector<const registry::Node*>& pointers() {
    view();
    return pointers_;
  }

 private:
  std::vector<registry::Node> nodes_;
  std::vector<const registry::Node*> pointers_;
};

inline TestNodes NodesOf(int n) {
  std::vector<registry::Node> nodes;
  for (int i = 0; i < n; ++i) {
    nodes.push_back({.id = "n" + std::to_string(i),
                     .host = "127.0.0.1",
                     .ports = {{"grpc", static_cast<uint16_t>(1000 + i)}}});
  }
  return TestNodes(std::move(nodes));
}

}  // namespace micro::testing

// Label families: children by label values, created on first use, never moved.
#include <spdlog/spdlog.h>

#include <micro/metrics/metrics.h>

namespace micro::metrics {

template <typename T>
Family<T>::Family(std::string name, std::string help, std::vector<std::string> label_names,
                  std::vector<double> buckets)
    : name_(std::move(name)),
      help_(std::move(help)),
      label_names_(std::move(label_names)),
      buckets_(std::move(buckets)) {}

template <typename T>
std::unique_ptr<T> Family<T>::Make() const {
  if constexpr (std::is_same_v<T, Histogram>) {
    return std::make_unique<Histogram>(buckets_);
  } else {
    return std::make_unique<T>();
  }
}

template <typename T>
T& Family<T>::WithLabels(const std::vector<std::string>& values) {
  std::vector<std::string_view> views(values.begin(), values.end());
  return WithLabels(views.data(), views.size());
}

template <typename T>
T& Family<T>::WithLabels(const std::string_view* values, size_t n) {
  if (n != label_names_.size()) {
    std::call_once(misuse_logged_, [&] {
      spdlog::error("metric {}: {} label values given for {} label names; the value is dropped",
                    name_, n, label_names_.size());
    });
    std::unique_lock lock(mu_);
    if (!misuse_sink_) misuse_sink_ = Make();
    return *misuse_sink_;
  }
  std::vector<std::string> key(values, values + n);
  {
    std::shared_lock lock(mu_);
    auto it = children_.find(key);
    if (it != children_.end()) return *it->second;
  }
  std::unique_lock lock(mu_);
  auto& slot = children_[std::move(key)];
  if (!slot) slot = Make();
  return *slot;
}

template <typename T>
void Family<T>::Remove(const std::vector<std::string>& values) {
  std::unique_lock lock(mu_);
  auto it = children_.find(values);
  if (it == children_.end()) return;
  removed_.push_back(std::move(it->second));
  children_.erase(it);
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

}  // namespace micro::metrics

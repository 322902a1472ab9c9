// Registry: checks names once at registration, gathers families and collectors at scrape.
#include <algorithm>
#include <cmath>
#include <variant>

#include <micro/metrics/metrics.h>

#include "metrics/format.h"

namespace micro::metrics {

struct Registry::Entry {
  MetricType type;
  MetricOptions options;  // as registered (buckets resolved)
  std::variant<std::unique_ptr<Family<Counter>>, std::unique_ptr<Family<Gauge>>,
               std::unique_ptr<Family<Histogram>>>
      family;
};

Registry::Registry() = default;
Registry::~Registry() = default;

namespace {

Status CheckOptions(MetricType type, MetricOptions* o) {
  MICRO_RETURN_IF_ERROR(ValidateMetricName(o->name));
  if (o->help.empty()) {
    return Status::InvalidArgument("metric '" + o->name + "' needs help text");
  }
  for (size_t i = 0; i < o->labels.size(); ++i) {
    const std::string& l = o->labels[i];
    Status s = ValidateLabelName(l);
    if (!s.ok()) return Status::InvalidArgument("metric '" + o->name + "': " + s.message());
    if (type == MetricType::kHistogram && l == "le") {
      return Status::InvalidArgument("metric '" + o->name +
                                     "': label 'le' is reserved for histogram buckets");
    }
    if (std::find(o->labels.begin(), o->labels.begin() + i, l) != o->labels.begin() + i) {
      return Status::InvalidArgument("metric '" + o->name + "': label '" + l + "' repeats");
    }
  }
  if (type != MetricType::kHistogram) {
    if (!o->buckets.empty()) {
      return Status::InvalidArgument("metric '" + o->name + "': only histograms have buckets");
    }
    return {};
  }
  if (o->buckets.empty()) o->buckets = DefaultBuckets();
  // A trailing +Inf is implied; accept it when given.
  if (std::isinf(o->buckets.back()) && o->buckets.back() > 0) o->buckets.pop_back();
  for (size_t i = 0; i < o->buckets.size(); ++i) {
    if (std::isnan(o->buckets[i]) || (i > 0 && !(o->buckets[i - 1] < o->buckets[i]))) {
      return Status::InvalidArgument("histogram '" + o->name +
                                     "': buckets must be strictly increasing numbers");
    }
  }
  return {};
}

}  // namespace

Result<Registry::Entry*> Registry::Add(MetricType type, const MetricOptions& options) {
  MetricOptions o = options;
  MICRO_RETURN_IF_ERROR(CheckOptions(type, &o));
  std::lock_guard lock(mu_);
  auto it = families_.find(o.name);
  if (it != families_.end()) {
    const Entry& e = *it->second;
    if (e.type == type && e.options.help == o.help && e.options.labels == o.labels &&
        e.options.buckets == o.buckets) {
      return it->second.get();
    }
    return Status::AlreadyExists("metric '" + o.name + "' is already registered as a " +
                                 std::string(MetricTypeName(e.type)) +
                                 " with other help, labels or buckets");
  }
  auto e = std::make_unique<Entry>();
  e->type = type;
  e->options = o;
  switch (type) {
    case MetricType::kCounter:
      e->family = std::make_unique<Family<Counter>>(o.name, o.help, o.labels);
      break;
    case MetricType::kGauge:
      e->family = std::make_unique<Family<Gauge>>(o.name, o.help, o.labels);
      break;
    case MetricType::kHistogram:
      e->family = std::make_unique<Family<Histogram>>(o.name, o.help, o.labels, o.buckets);
      break;
  }
  Entry* raw = e.get();
  families_.emplace(o.name, std::move(e));
  return raw;
}

Result<Family<Counter>*> Registry::AddCounter(const MetricOptions& options) {
  auto e = Add(MetricType::kCounter, options);
  if (!e.ok()) return e.status();
  return std::get<std::unique_ptr<Family<Counter>>>((*e)->family).get();
}

Result<Family<Gauge>*> Registry::AddGauge(const MetricOptions& options) {
  auto e = Add(MetricType::kGauge, options);
  if (!e.ok()) return e.status();
  return std::get<std::unique_ptr<Family<Gauge>>>((*e)->family).get();
}

Result<Family<Histogram>*> Registry::AddHistogram(const MetricOptions& options) {
  auto e = Add(MetricType::kHistogram, options);
  if (!e.ok()) return e.status();
  return std::get<std::unique_ptr<Family<Histogram>>>((*e)->family).get();
}

uint64_t Registry::AddCollector(Collector collector) {
  std::lock_guard lock(mu_);
  uint64_t id = next_collector_++;
  collectors_.emplace(id, std::move(collector));
  return id;
}

void Registry::RemoveCollector(uint64_t id) {
  std::lock_guard collecting(collect_mu_);
  std::lock_guard lock(mu_);
  collectors_.erase(id);
}

namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;

Labels Zip(const std::vector<std::string>& names, const std::vector<std::string>& values) {
  Labels out;
  out.reserve(names.size() + 1);
  for (size_t i = 0; i < names.size(); ++i) out.emplace_back(names[i], values[i]);
  return out;
}

}  // namespace

std::vector<FamilySnapshot> Registry::Gather() const {
  std::vector<FamilySnapshot> out;
  std::vector<Collector> collectors;
  std::lock_guard collecting(collect_mu_);
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, entry] : families_) {
      FamilySnapshot f{.name = name, .help = entry->options.help, .type = entry->type};
      if (entry->type == MetricType::kCounter) {
        const auto& fam = *std::get<std::unique_ptr<Family<Counter>>>(entry->family);
        fam.ForEach([&](const std::vector<std::string>& values, const Counter& c) {
          f.samples.push_back({name, Zip(fam.label_names(), values), c.Value()});
        });
      } else if (entry->type == MetricType::kGauge) {
        const auto& fam = *std::get<std::unique_ptr<Family<Gauge>>>(entry->family);
        fam.ForEach([&](const std::vector<std::string>& values, const Gauge& g) {
          f.samples.push_back({name, Zip(fam.label_names(), values), g.Value()});
        });
      } else {
        const auto& fam = *std::get<std::unique_ptr<Family<Histogram>>>(entry->family);
        fam.ForEach([&](const std::vector<std::string>& values, const Histogram& h) {
          Histogram::Snapshot snap = h.Collect();
          Labels base = Zip(fam.label_names(), values);
          for (size_t b = 0; b < snap.cumulative.size(); ++b) {
            Labels l = base;
            l.emplace_back("le",
                           b < snap.bounds.size() ? internal::FormatValue(snap.bounds[b]) : "+Inf");
            f.samples.push_back(
                {name + "_bucket", std::move(l), static_cast<double>(snap.cumulative[b])});
          }
          f.samples.push_back({name + "_sum", base, snap.sum});
          f.samples.push_back({name + "_count", std::move(base), static_cast<double>(snap.count)});
        });
      }
      out.push_back(std::move(f));
    }
    for (const auto& [id, c] : collectors_) collectors.push_back(c);
  }
  // Collectors run outside mu_: one may register metrics.
  for (const auto& c : collectors) c(&out);
  std::stable_sort(out.begin(), out.end(), [](const FamilySnapshot& a, const FamilySnapshot& b) {
    return a.name < b.name;
  });
  return out;
}

std::string Registry::Render() const { return RenderText(Gather()); }

Registry& DefaultRegistry() {
  static auto* registry = new Registry();  // never destroyed: handles outlive static dtors
  return *registry;
}

}  // namespace micro::metrics

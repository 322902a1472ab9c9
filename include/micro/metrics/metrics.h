// micro::metrics: a Prometheus client. Counters, gauges and histograms, with label families,
// gathered into a Registry and rendered in the text exposition format 0.0.4 that a
// Prometheus server scrapes from a service's `GET /metrics`.
//
//   auto& registry = micro::metrics::DefaultRegistry();
//   auto orders = registry.AddCounter({.name = "shop_orders_total",
//                                      .help = "Orders placed, by payment outcome.",
//                                      .labels = {"outcome"}});
//   if (!orders.ok()) return orders.status();           // a bad name is a clear error
//   micro::metrics::Counter& paid = (*orders)->WithLabels({"paid"});   // cache this handle
//   paid.Inc();                                          // hot path: no lock, no contention
//
//   auto latency = registry.AddHistogram({.name = "shop_checkout_seconds",
//                                         .help = "Checkout latency.",
//                                         .buckets = {0.01, 0.05, 0.1, 0.5, 1}});
//   (*latency)->WithLabels({}).Observe(0.042);
//
// Threads: everything is thread-safe. Inc/Add/Set/Observe on a cached handle take no lock
// and touch a per-thread shard of the value (reads sum the shards), so two threads updating
// one counter do not fight over a cache line. Registration and WithLabels() take a lock:
// call them once and keep the returned pointer/reference, which stays valid for the life of
// the Registry. Collectors (process, runtime, your own) run at scrape time.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <micro/core/result.h>

namespace micro::metrics {

enum class MetricType { kCounter, kGauge, kHistogram };
std::string_view MetricTypeName(MetricType type);  // "counter", "gauge", "histogram"

// Name checks used at registration: metric names match [a-zA-Z_:][a-zA-Z0-9_:]*, label
// names [a-zA-Z_][a-zA-Z0-9_]* and do not start with "__" (reserved by Prometheus).
Status ValidateMetricName(std::string_view name);
Status ValidateLabelName(std::string_view name);

namespace internal {

// Values are split into kShards cache-line-sized cells; a thread always uses the same cell
// (threads are spread over the cells round-robin), so concurrent updates from different
// threads rarely share a cache line. Reads sum every cell.
inline constexpr size_t kShards = 16;
inline constexpr size_t kCacheLine = 64;

// The shard of the calling thread, in [0, kShards): assigned on the thread's first update.
// constinit keeps the hot-path read a plain TLS load (no lazy-initialisation guard).
inline constexpr size_t kNoShard = ~size_t{0};
inline constinit thread_local size_t tls_shard = kNoShard;
size_t AssignShard();
inline size_t ShardIndex() {
  size_t shard = tls_shard;
  if (shard == kNoShard) [[unlikely]] {
    shard = AssignShard();
  }
  return shard;
}

// A sum that many threads add to: integer adds use fetch_add, fractional ones a CAS loop
// on the cell's double.
class StripedSum {
 public:
  StripedSum() = default;
  StripedSum(const StripedSum&) = delete;
  StripedSum& operator=(const StripedSum&) = delete;

  void AddInt(int64_t v) { cells_[ShardIndex()].i.fetch_add(v, std::memory_order_relaxed); }
  void AddDouble(double v);
  double Sum() const;

 private:
  struct alignas(kCacheLine) Cell {
    std::atomic<int64_t> i{0};
    std::atomic<double> d{0};
  };
  Cell cells_[kShards];
};

}  // namespace internal

// A value that only goes up (requests served, bytes sent). Reset only by a restart.
class Counter {
 public:
  Counter() = default;
  void Inc() { sum_.AddInt(1); }
  void Inc(uint64_t n) { sum_.AddInt(static_cast<int64_t>(n)); }
  // Negative values are ignored: a counter never goes down.
  void Add(double v);
  double Value() const { return sum_.Sum(); }

 private:
  internal::StripedSum sum_;
};

// A value that goes up and down (calls in flight, queue depth). Inc/Dec/Add are striped like
// a counter's; Set replaces the value (adds racing with a Set land before or after it).
class Gauge {
 public:
  Gauge() = default;
  void Inc() { sum_.AddInt(1); }
  void Dec() { sum_.AddInt(-1); }
  void Add(double v) { sum_.AddDouble(v); }
  void Set(double v);
  double Value() const;

 private:
  std::mutex set_mu_;  // Set only: two Sets do not interleave their read and store
  std::atomic<double> base_{0};
  internal::StripedSum sum_;
};

// Counts observations into cumulative buckets (`le` upper bounds, +Inf implied) and keeps
// their sum and count. Observe costs one bucket search and two atomic adds on the
// thread's shard.
class Histogram {
 public:
  // `bounds` must be sorted and strictly increasing (Registry checks this).
  explicit Histogram(const std::vector<double>& bounds);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  void Observe(double v);

  struct Snapshot {
    std::vector<double> bounds;        // without +Inf
    std::vector<uint64_t> cumulative;  // per bound, then +Inf (== count)
    double sum = 0;
    uint64_t count = 0;
  };
  Snapshot Collect() const;
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  struct alignas(internal::kCacheLine) Line {
    std::atomic<uint64_t> word[internal::kCacheLine / sizeof(uint64_t)];
  };
  // Word i of a shard: bucket counts (the last one is +Inf), then the sum's bits.
  std::atomic<uint64_t>& Word(size_t shard, size_t i) const {
    return lines_[shard * lines_per_shard_ + i / 8].word[i % 8];
  }

  std::vector<double> bounds_;
  size_t lines_per_shard_;
  std::unique_ptr<Line[]> lines_;
};

// Bucket helpers. The default suits RPC latencies in seconds (as Prometheus' clients).
std::vector<double> DefaultBuckets();  // .005 .01 .025 .05 .1 .25 .5 1 2.5 5 10
std::vector<double> LinearBuckets(double start, double width, size_t count);
std::vector<double> ExponentialBuckets(double start, double factor, size_t count);

// One metric and its children, one per distinct set of label values.
template <typename T>
class Family {
 public:
  // The child for these label values (in the order of the family's label names), created
  // on first use. The reference is stable: look it up once, keep it, and update it from any
  // thread. The wrong number of values yields a child that is never exported (and logs
  // once), so that a bug in a label list does not crash the process.
  T& WithLabels(std::initializer_list<std::string_view> values) {
    return WithLabels(values.begin(), values.size());
  }
  T& WithLabels(const std::vector<std::string>& values);
  // Removes a child (its value is no longer exported). References to it stay valid.
  void Remove(const std::vector<std::string>& values);

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& label_names() const { return label_names_; }

  // Snapshot of the children, ordered by label values. For the exposition.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    std::shared_lock lock(mu_);
    for (const auto& [values, child] : children_) fn(values, *child);
  }

  // Internal: built by Registry.
  Family(std::string name, std::string help, std::vector<std::string> label_names,
         std::vector<double> buckets = {});

 private:
  T& WithLabels(const std::string_view* values, size_t n);
  std::unique_ptr<T> Make() const;

  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
  std::vector<double> buckets_;  // histograms only
  mutable std::shared_mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<T>> children_;
  std::vector<std::unique_ptr<T>> removed_;  // kept alive for references still held
  std::once_flag misuse_logged_;
  std::unique_ptr<T> misuse_sink_;
};

extern template class Family<Counter>;
extern template class Family<Gauge>;
extern template class Family<Histogram>;

// What a scrape sees of one metric family: the form collectors produce and the exposition
// consumes. Samples carry the full sample name (with _bucket/_sum/_count for histograms).
struct Sample {
  std::string name;
  std::vector<std::pair<std::string, std::string>> labels;  // in exposition order
  double value = 0;
};
struct FamilySnapshot {
  std::string name;
  std::string help;
  MetricType type = MetricType::kGauge;
  std::vector<Sample> samples;
};

// Produces metric families when scraped (process and runtime metrics, values owned by
// another component). Collect runs on the scraping thread and must be quick and
// thread-safe; it should not block on I/O other than reading /proc.
using Collector = std::function<void(std::vector<FamilySnapshot>* out)>;

struct MetricOptions {
  std::string name;
  std::string help;
  std::vector<std::string> labels;
  std::vector<double> buckets;  // histograms only; empty = DefaultBuckets()
};

class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Registers a family. INVALID_ARGUMENT names the bad metric or label name (or unsorted
  // buckets); registering the same name again with the same type, help, labels and
  // buckets returns the existing family, anything else is ALREADY_EXISTS.
  Result<Family<Counter>*> AddCounter(const MetricOptions& options);
  Result<Family<Gauge>*> AddGauge(const MetricOptions& options);
  Result<Family<Histogram>*> AddHistogram(const MetricOptions& options);

  // Adds a scrape-time collector; the id removes it again (e.g. when the component whose
  // values it reads goes away: RemoveCollector waits for a scrape that is running it).
  uint64_t AddCollector(Collector collector);
  void RemoveCollector(uint64_t id);

  // Every family, registered and collected, sorted by name.
  std::vector<FamilySnapshot> Gather() const;
  // Gather() in the text exposition format 0.0.4.
  std::string Render() const;

 private:
  struct Entry;
  Result<Entry*> Add(MetricType type, const MetricOptions& options);

  mutable std::mutex mu_;
  // Held while collectors run, so that RemoveCollector returns only once its collector
  // has stopped (and the values it reads may go away).
  mutable std::mutex collect_mu_;
  std::map<std::string, std::unique_ptr<Entry>> families_;
  std::map<uint64_t, Collector> collectors_;
  uint64_t next_collector_ = 1;
};

// The process-wide registry: the default metrics and `GET /metrics` of every Service use it.
Registry& DefaultRegistry();

// The Content-Type of the text exposition format.
inline constexpr char kExpositionContentType[] = "text/plain; version=0.0.4; charset=utf-8";

// Renders families in the text exposition format 0.0.4 (HELP and TYPE lines, escaped help
// text and label values, +Inf/-Inf/NaN). Families with the same name are merged.
std::string RenderText(const std::vector<FamilySnapshot>& families);

}  // namespace micro::metrics

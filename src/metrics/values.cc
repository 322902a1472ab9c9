// The instruments themselves: striped sums, counters, gauges, histograms, bucket helpers.
#include <algorithm>
#include <bit>
#include <cmath>

#include <micro/metrics/metrics.h>

namespace micro::metrics {

namespace internal {

size_t AssignShard() {
  // Round-robin over threads: with up to kShards threads each gets a shard of its own.
  static std::atomic<size_t> next{0};
  tls_shard = next.fetch_add(1, std::memory_order_relaxed) % kShards;
  return tls_shard;
}

void StripedSum::AddDouble(double v) {
  // Integral values (the common Add(1), Add(-1)) stay exact in the integer part.
  if (v == std::trunc(v) && std::fabs(v) < 9.0e15) {
    AddInt(static_cast<int64_t>(v));
    return;
  }
  cells_[ShardIndex()].d.fetch_add(v, std::memory_order_relaxed);
}

double StripedSum::Sum() const {
  int64_t i = 0;
  double d = 0;
  for (const Cell& c : cells_) {
    i += c.i.load(std::memory_order_relaxed);
    d += c.d.load(std::memory_order_relaxed);
  }
  return static_cast<double>(i) + d;
}

}  // namespace internal

void Counter::Add(double v) {
  if (!(v > 0)) return;  // also drops NaN
  sum_.AddDouble(v);
}

void Gauge::Set(double v) {
  // The value is base_ + the striped adds; fold the adds seen so far into the base.
  std::lock_guard lock(set_mu_);
  base_.store(v - sum_.Sum(), std::memory_order_relaxed);
}

double Gauge::Value() const { return base_.load(std::memory_order_relaxed) + sum_.Sum(); }

Histogram::Histogram(const std::vector<double>& bounds)
    : bounds_(bounds),
      lines_per_shard_((bounds.size() + 2 + 7) / 8),
      lines_(new Line[internal::kShards * lines_per_shard_]) {
  for (size_t s = 0; s < internal::kShards; ++s) {
    for (size_t i = 0; i < lines_per_shard_ * 8; ++i) {
      Word(s, i).store(0, std::memory_order_relaxed);
    }
  }
}

void Histogram::Observe(double v) {
  // Bucket i counts v <= bounds_[i]; past the last bound is +Inf. NaN lands in +Inf.
  size_t bucket = std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();
  size_t shard = internal::ShardIndex();
  Word(shard, bucket).fetch_add(1, std::memory_order_relaxed);
  std::atomic<uint64_t>& sum = Word(shard, bounds_.size() + 1);
  uint64_t old_bits = sum.load(std::memory_order_relaxed);
  while (!sum.compare_exchange_weak(old_bits,
                                    std::bit_cast<uint64_t>(std::bit_cast<double>(old_bits) + v),
                                    std::memory_order_relaxed)) {
  }
}

Histogram::Snapshot Histogram::Collect() const {
  Snapshot out;
  out.bounds = bounds_;
  out.cumulative.assign(bounds_.size() + 1, 0);
  for (size_t s = 0; s < internal::kShards; ++s) {
    for (size_t b = 0; b <= bounds_.size(); ++b) {
      out.cumulative[b] += Word(s, b).load(std::memory_order_relaxed);
    }
    out.sum += std::bit_cast<double>(Word(s, bounds_.size() + 1).load(std::memory_order_relaxed));
  }
  for (size_t b = 1; b < out.cumulative.size(); ++b) out.cumulative[b] += out.cumulative[b - 1];
  out.count = out.cumulative.back();
  return out;
}

std::vector<double> DefaultBuckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

std::vector<double> LinearBuckets(double start, double width, size_t count) {
  std::vector<double> out;
  for (size_t i = 0; i < count; ++i) out.push_back(start + width * static_cast<double>(i));
  return out;
}

std::vector<double> ExponentialBuckets(double start, double factor, size_t count) {
  std::vector<double> out;
  double v = start;
  for (size_t i = 0; i < count; ++i, v *= factor) out.push_back(v);
  return out;
}

std::string_view MetricTypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

namespace {

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

Status ValidateMetricName(std::string_view name) {
  bool ok = !name.empty();
  for (size_t i = 0; ok && i < name.size(); ++i) {
    char c = name[i];
    ok = IsAlpha(c) || c == '_' || c == ':' || (i > 0 && IsDigit(c));
  }
  if (ok) return {};
  return Status::InvalidArgument("invalid metric name '" + std::string(name) +
                                 "': must match [a-zA-Z_:][a-zA-Z0-9_:]*");
}

Status ValidateLabelName(std::string_view name) {
  bool ok = !name.empty();
  for (size_t i = 0; ok && i < name.size(); ++i) {
    char c = name[i];
    ok = IsAlpha(c) || c == '_' || (i > 0 && IsDigit(c));
  }
  if (!ok) {
    return Status::InvalidArgument("invalid label name '" + std::string(name) +
                                   "': must match [a-zA-Z_][a-zA-Z0-9_]*");
  }
  if (name.starts_with("__")) {
    return Status::InvalidArgument("invalid label name '" + std::string(name) +
                                   "': names starting with '__' are reserved");
  }
  return {};
}

}  // namespace micro::metrics

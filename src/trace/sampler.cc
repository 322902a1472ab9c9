#include <micro/trace/sampler.h>

#include <algorithm>
#include <cmath>

namespace micro::trace {

namespace {

class AlwaysOn final : public Sampler {
 public:
  bool ShouldSample(const SpanContext*, const TraceId&) const override { return true; }
  std::string Description() const override { return "always_on"; }
};

class AlwaysOff final : public Sampler {
 public:
  bool ShouldSample(const SpanContext*, const TraceId&) const override { return false; }
  std::string Description() const override { return "always_off"; }
};

class TraceIdRatio final : public Sampler {
 public:
  explicit TraceIdRatio(double ratio) : ratio_(std::clamp(ratio, 0.0, 1.0)) {
    // ratio x 2^64 without overflowing: 1.0 keeps everything.
    if (ratio_ >= 1.0) {
      all_ = true;
    } else {
      bound_ = static_cast<uint64_t>(std::ldexp(ratio_, 64));
    }
  }
  bool ShouldSample(const SpanContext*, const TraceId& id) const override {
    if (all_) return true;
    // The low 8 bytes: the part W3C Trace Context level 2 asks generators to make random.
    uint64_t v = 0;
    for (size_t i = 8; i < 16; ++i) v = v << 8 | id.bytes[i];
    return v < bound_;
  }
  std::string Description() const override {
    return "traceidratio{" + std::to_string(ratio_) + "}";
  }

 private:
  double ratio_;
  bool all_ = false;
  uint64_t bound_ = 0;
};

class ParentBased final : public Sampler {
 public:
  explicit ParentBased(std::shared_ptr<Sampler> root) : root_(std::move(root)) {}
  bool ShouldSample(const SpanContext* parent, const TraceId& id) const override {
    if (parent != nullptr && parent->valid()) return parent->sampled();
    return root_->ShouldSample(nullptr, id);
  }
  std::string Description() const override { return "parentbased{" + root_->Description() + "}"; }

 private:
  std::shared_ptr<Sampler> root_;
};

}  // namespace

std::shared_ptr<Sampler> AlwaysOnSampler() { return std::make_shared<AlwaysOn>(); }
std::shared_ptr<Sampler> AlwaysOffSampler() { return std::make_shared<AlwaysOff>(); }
std::shared_ptr<Sampler> TraceIdRatioSampler(double ratio) {
  return std::make_shared<TraceIdRatio>(ratio);
}
std::shared_ptr<Sampler> ParentBasedSampler(std::shared_ptr<Sampler> root) {
  return std::make_shared<ParentBased>(std::move(root));
}

Result<std::shared_ptr<Sampler>> NewSampler(std::string_view name, double ratio) {
  bool ratio_used = name == "traceidratio" || name == "parentbased_traceidratio";
  if (ratio_used && !(ratio >= 0.0 && ratio <= 1.0)) {
    return Status::InvalidArgument("trace.ratio must be between 0 and 1, got " +
                                   std::to_string(ratio));
  }
  if (name == "always_on") return AlwaysOnSampler();
  if (name == "always_off") return AlwaysOffSampler();
  if (name == "traceidratio") return TraceIdRatioSampler(ratio);
  if (name == "parentbased_always_on") return ParentBasedSampler(AlwaysOnSampler());
  if (name == "parentbased_always_off") return ParentBasedSampler(AlwaysOffSampler());
  if (name == "parentbased_traceidratio") return ParentBasedSampler(TraceIdRatioSampler(ratio));
  return Status::InvalidArgument("trace.sampler: unknown sampler \"" + std::string(name) +
                                 "\" (known: always_on, always_off, traceidratio, "
                                 "parentbased_always_on, parentbased_always_off, "
                                 "parentbased_traceidratio)");
}

}  // namespace micro::trace

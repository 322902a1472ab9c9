#include <micro/trace/tracer.h>

#include <unistd.h>

#include <chrono>
#include <cstring>
#include <random>
#include <thread>

namespace micro::trace {

namespace {

// xoshiro256**: fast, and good enough for ids that only need to be unique and uniformly
// spread (the ratio sampler reads them as numbers). One per thread: no lock, no sharing.
class IdGenerator {
 public:
  IdGenerator() {
    std::random_device rd;
    uint64_t seed = (static_cast<uint64_t>(rd()) << 32) ^ rd();
    seed ^= static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    seed ^= static_cast<uint64_t>(getpid()) << 17;
    seed ^= std::hash<std::thread::id>()(std::this_thread::get_id());
    for (auto& word : s_) word = SplitMix(seed);
  }

  uint64_t Next() {
    uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static uint64_t SplitMix(uint64_t& x) {
    uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint64_t s_[4];
};

IdGenerator& Generator() {
  thread_local IdGenerator gen;
  return gen;
}

template <size_t N>
void Fill(std::array<uint8_t, N>& bytes) {
  auto& gen = Generator();
  for (size_t i = 0; i < N; i += 8) {
    uint64_t v = gen.Next();
    std::memcpy(bytes.data() + i, &v, 8);
  }
}

}  // namespace

TraceId NewTraceId() {
  TraceId id;
  do {
    Fill(id.bytes);
  } while (!id.valid());
  return id;
}

SpanId NewSpanId() {
  SpanId id;
  do {
    Fill(id.bytes);
  } while (!id.valid());
  return id;
}

Tracer::Tracer(std::shared_ptr<Sampler> sampler, std::shared_ptr<SpanProcessor> processor)
    : sampler_(sampler ? std::move(sampler) : ParentBasedSampler(AlwaysOnSampler())),
      processor_(std::move(processor)) {}

Span Tracer::StartSpan(const SpanName& name, SpanKind kind, const SpanContext* parent) const {
  if (parent != nullptr && !parent->valid()) parent = nullptr;
  SpanContext ctx;
  ctx.trace_id = parent ? parent->trace_id : NewTraceId();
  ctx.span_id = NewSpanId();
  if (parent) ctx.trace_state = parent->trace_state;
  bool sampled = sampler_->ShouldSample(parent, ctx.trace_id);
  ctx.flags = sampled ? kSampledFlag : 0;
  std::unique_ptr<SpanData> data;
  if (sampled && processor_) {
    data = std::make_unique<SpanData>();
    data->name = name.Join();
    data->attributes.reserve(8);  // what a server or client span sets, without regrowing
    data->kind = kind;
    data->context = ctx;
    if (parent) data->parent_span_id = parent->span_id;
  }
  return Span(std::move(ctx), std::move(data), sampled ? processor_ : nullptr);
}

}  // namespace micro::trace

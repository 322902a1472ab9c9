// Default RPC metrics: server and client interceptors sharing one per-method cache.
#include <micro/metrics/rpc.h>

#include <chrono>
#include <cstring>

namespace micro::metrics {

namespace internal {

Counter& RpcSeries::Requests(StatusCode code) {
  size_t i = static_cast<size_t>(code);
  if (i >= std::size(by_code)) i = static_cast<size_t>(StatusCode::kUnknown);
  Counter* c = by_code[i].load(std::memory_order_acquire);
  if (c) return *c;
  // First call with this code: created lazily so that only codes seen are exported.
  c = &requests->WithLabels({service, method, StatusCodeName(static_cast<StatusCode>(i))});
  by_code[i].store(c, std::memory_order_release);
  return *c;
}

Result<std::unique_ptr<RpcMetrics>> RpcMetrics::Create(Registry& registry, std::string_view side) {
  std::string prefix = "micro_" + std::string(side) + "_";
  std::string who = side == "server" ? "handled by this server" : "made by this client";
  auto m = std::unique_ptr<RpcMetrics>(new RpcMetrics());
  auto requests = registry.AddCounter({.name = prefix + "requests_total",
                                       .help = "RPCs " + who + ", by gRPC status code.",
                                       .labels = {"service", "method", "code"}});
  if (!requests.ok()) return requests.status();
  auto duration = registry.AddHistogram({.name = prefix + "request_duration_seconds",
                                         .help = "Duration of RPCs " + who + ", in seconds.",
                                         .labels = {"service", "method"}});
  if (!duration.ok()) return duration.status();
  auto in_flight = registry.AddGauge({.name = prefix + "in_flight",
                                      .help = "RPCs " + who + " that have not finished yet.",
                                      .labels = {"service"}});
  if (!in_flight.ok()) return in_flight.status();
  m->requests_ = *requests;
  m->duration_ = *duration;
  m->in_flight_ = *in_flight;
  return m;
}

RpcMetrics::~RpcMetrics() = default;

RpcSeries& RpcMetrics::Series(std::string_view key, std::string_view path) {
  if (RpcSeries* found = Find(key)) return *found;
  std::lock_guard lock(mu_);
  const Map* current = map_.load(std::memory_order_acquire);
  if (current) {
    auto it = current->find(key);
    if (it != current->end()) return *it->second;
  }
  auto series = std::make_unique<RpcSeries>();
  // "/pkg.Service/Method" -> ("pkg.Service", "Method"); anything else stays whole.
  size_t slash = path.size() > 1 ? path.find('/', 1) : std::string_view::npos;
  if (path.starts_with('/') && slash != std::string_view::npos) {
    series->service = path.substr(1, slash - 1);
    series->method = path.substr(slash + 1);
  } else {
    series->method = path;
  }
  series->requests = requests_;
  series->duration = &duration_->WithLabels({series->service, series->method});
  series->in_flight = &in_flight_->WithLabels({series->service});
  auto next = std::make_unique<Map>(current ? *current : Map{});
  next->emplace(std::string(key), series.get());
  map_.store(next.get(), std::memory_order_release);
  maps_.push_back(std::move(next));
  series_.push_back(std::move(series));
  return *series_.back();
}

}  // namespace internal

namespace {

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Counts a finished call of `series`.
void EndCall(internal::RpcSeries& series, std::chrono::steady_clock::time_point start,
             StatusCode code) {
  series.duration->Observe(SecondsSince(start));
  series.Requests(code).Inc();
  series.in_flight->Dec();
}

// A Method's address is a stable, cheap key for the server's cache.
std::string_view KeyOf(const server::Method& method, char (&buf)[sizeof(void*)]) {
  const server::Method* p = &method;
  std::memcpy(buf, &p, sizeof p);
  return std::string_view(buf, sizeof buf);
}

}  // namespace

Result<std::shared_ptr<ServerMetrics>> ServerMetrics::Create(Registry& registry) {
  auto rpc = internal::RpcMetrics::Create(registry, "server");
  if (!rpc.ok()) return rpc.status();
  return std::shared_ptr<ServerMetrics>(new ServerMetrics(std::move(*rpc)));
}

Status ServerMetrics::Intercept(Context& ctx, const server::CallInfo& call, server::Next next) {
  char buf[sizeof(void*)];
  std::string_view key = KeyOf(call.method, buf);
  internal::RpcSeries* found = rpc_->Find(key);
  // Path() makes a string: only for a method's first call.
  internal::RpcSeries& series = found ? *found : rpc_->Series(key, call.method.Path());
  series.in_flight->Inc();
  auto start = std::chrono::steady_clock::now();
  Status status = next(ctx);
  series.duration->Observe(SecondsSince(start));
  series.Requests(status.code()).Inc();
  series.in_flight->Dec();
  return status;
}

Result<std::shared_ptr<ClientMetrics>> ClientMetrics::Create(Registry& registry) {
  auto rpc = internal::RpcMetrics::Create(registry, "client");
  if (!rpc.ok()) return rpc.status();
  return std::shared_ptr<ClientMetrics>(new ClientMetrics(std::move(*rpc)));
}

void ClientMetrics::Intercept(Context& ctx, client::ClientCall& call, client::ClientNext next,
                              client::Done done) {
  internal::RpcSeries& series = rpc_->Series(call.method, call.method);
  series.in_flight->Inc();
  auto start = std::chrono::steady_clock::now();
  next(ctx, call, [&series, start, done = std::move(done)](Status status) {
    EndCall(series, start, status.code());
    done(std::move(status));
  });
}

namespace {

// A stream measured from its opening to its Finish (or its drop: CANCELLED).
class MeteredStream : public client::ForwardingStream {
 public:
  MeteredStream(std::unique_ptr<client::ClientStream> inner, internal::RpcSeries& series,
                std::chrono::steady_clock::time_point start)
      : ForwardingStream(std::move(inner)), series_(series), start_(start) {}
  ~MeteredStream() override {
    if (!finished_) EndCall(series_, start_, StatusCode::kCancelled);
  }

  Status Finish() override {
    Status s = inner().Finish();
    if (!finished_) EndCall(series_, start_, s.code());
    finished_ = true;
    return s;
  }

 private:
  internal::RpcSeries& series_;
  const std::chrono::steady_clock::time_point start_;
  bool finished_ = false;
};

}  // namespace

client::StreamResult ClientMetrics::InterceptStream(Context& ctx, const client::StreamCall& call,
                                                    client::StreamNext next) {
  internal::RpcSeries& series = rpc_->Series(call.method, call.method);
  series.in_flight->Inc();
  auto start = std::chrono::steady_clock::now();
  auto opened = next(ctx, call);
  if (!opened.ok()) {
    EndCall(series, start, opened.status().code());
    return opened;
  }
  return std::unique_ptr<client::ClientStream>(
      std::make_unique<MeteredStream>(std::move(*opened), series, start));
}

}  // namespace micro::metrics

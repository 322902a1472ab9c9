// RedisLimiter: a local lease of tokens refilled from a global bucket in Redis by one
// background thread. The call path touches only atomics; all Redis I/O (blocking hiredis,
// bounded by timeouts) happens on the worker thread.
#include <hiredis/hiredis.h>
#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <micro/core/url.h>
#include <micro/governance/redis_limiter.h>

namespace micro::governance {
namespace {

// The global bucket, refilled from Redis' own clock (TIME), so that process clocks never
// need to agree. A negative `wanted` gives tokens back. Returns the tokens granted.
constexpr const char* kScript = R"lua(
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local wanted = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = burst
  ts = now
end
if now > ts then
  tokens = math.min(burst, tokens + (now - ts) * rate / 1000000)
  ts = now
end
local granted = 0
if wanted < 0 then
  tokens = math.min(burst, tokens - wanted)
else
  granted = math.min(wanted, math.floor(tokens))
  tokens = tokens - granted
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(ts))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return granted
)lua";

struct Endpoint {
  std::string host;
  int port = 6379;
  std::string password;
  int db = 0;
  std::chrono::milliseconds timeout{200};
};

Result<Endpoint> ParseRedisUrl(const std::string& text) {
  auto url = Url::Parse(text);
  if (!url.ok()) return Status::InvalidArgument("url: " + url.status().message());
  if (url->scheme != "redis") {
    return Status::InvalidArgument("url: want redis://host:port, got \"" + text + "\"");
  }
  if (url->hosts.size() != 1) {
    return Status::InvalidArgument("url: want exactly one host:port, got \"" + text + "\"");
  }
  Endpoint e;
  e.host = url->hosts[0].host;
  if (url->hosts[0].port != 0) e.port = url->hosts[0].port;
  for (const auto& [k, v] : url->query) {
    try {
      if (k == "password") {
        e.password = v;
      } else if (k == "db") {
        e.db = std::stoi(v);
      } else if (k == "timeout_ms") {
        e.timeout = std::chrono::milliseconds(std::stoi(v));
        if (e.timeout.count() <= 0) throw std::out_of_range("timeout_ms");
      } else {
        return Status::InvalidArgument("url: unknown parameter \"" + k +
                                       "\" (known: db, password, timeout_ms)");
      }
    } catch (const std::exception&) {
      return Status::InvalidArgument("url: bad value for \"" + k + "\": \"" + v + "\"");
    }
  }
  return e;
}

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

timeval ToTimeval(std::chrono::milliseconds d) {
  return timeval{static_cast<time_t>(d.count() / 1000),
                 static_cast<suseconds_t>((d.count() % 1000) * 1000)};
}

std::string FormatDouble(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace

Status RedisLimiterOptions::Validate() const {
  MICRO_RETURN_IF_ERROR(ParseRedisUrl(url).status());
  if (key.empty()) return Status::InvalidArgument("key: must not be empty");
  if (!(rate > 0) || !std::isfinite(rate) || rate > 1e9) {
    return Status::InvalidArgument("rate: must be > 0 and <= 1e9, got " + std::to_string(rate));
  }
  if (burst < 0) return Status::InvalidArgument("burst: must be >= 0 (0 = rate)");
  if (expected_processes < 1) {
    return Status::InvalidArgument("expected_processes: must be >= 1, got " +
                                   std::to_string(expected_processes));
  }
  if (!(fallback_rate >= 0) || !std::isfinite(fallback_rate)) {
    return Status::InvalidArgument("fallback_rate: must be >= 0 (0 = rate/expected_processes)");
  }
  if (lease_period < std::chrono::milliseconds(1)) {
    return Status::InvalidArgument("lease_period: must be >= 1ms");
  }
  if (max_lease < 0) return Status::InvalidArgument("max_lease: must be >= 0 (0 = burst/2)");
  if (reconnect_min < std::chrono::milliseconds(1) || reconnect_max < reconnect_min) {
    return Status::InvalidArgument("reconnect_min: must be >= 1ms and <= reconnect_max");
  }
  return Status::Ok();
}

const char* RedisLimiter::Script() { return kScript; }

struct RedisLimiter::Worker {
  Endpoint endpoint;
  std::string rate_arg, burst_arg;
  std::mutex mu;
  std::condition_variable cv;
  bool stop = false;
  std::thread thread;
  redisContext* redis = nullptr;  // worker thread only
  std::string sha;

  ~Worker() {
    if (redis) redisFree(redis);
  }

  void Disconnect() {
    if (redis) redisFree(redis);
    redis = nullptr;
  }

  bool Connect() {
    Disconnect();
    timeval tv = ToTimeval(endpoint.timeout);
    redis = redisConnectWithTimeout(endpoint.host.c_str(), endpoint.port, tv);
    if (redis == nullptr || redis->err) {
      Disconnect();
      return false;
    }
    redisSetTimeout(redis, tv);
    if (!endpoint.password.empty() && !Ok(Command({"AUTH", endpoint.password}))) return false;
    if (endpoint.db != 0 && !Ok(Command({"SELECT", std::to_string(endpoint.db)}))) return false;
    Reply loaded = Command({"SCRIPT", "LOAD", kScript});
    if (!loaded || loaded->type != REDIS_REPLY_STRING) {
      Disconnect();
      return false;
    }
    sha.assign(loaded->str, loaded->len);
    return true;
  }

  static bool Ok(const Reply& r) { return r && r->type != REDIS_REPLY_ERROR; }

  Reply Command(const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (const std::string& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    Reply r(static_cast<redisReply*>(
        redisCommandArgv(redis, static_cast<int>(argv.size()), argv.data(), lens.data())));
    // A null reply means the connection is broken (I/O error, EOF, timeout): hiredis cannot
    // use this context again.
    if (!r) Disconnect();
    return r;
  }

  // Tokens granted (or given back when wanted < 0); nullopt when Redis failed.
  std::optional<int64_t> Lease(const std::string& key, int64_t wanted) {
    if (!redis) return std::nullopt;
    const std::string wanted_arg = std::to_string(wanted);
    Reply r = Command({"EVALSHA", sha, "1", key, rate_arg, burst_arg, wanted_arg});
    if (r && r->type == REDIS_REPLY_ERROR && std::strncmp(r->str, "NOSCRIPT", 8) == 0) {
      // The script cache was flushed (or this is another server behind the same address).
      r = Command({"EVAL", kScript, "1", key, rate_arg, burst_arg, wanted_arg});
    }
    if (!r) return std::nullopt;
    if (r->type != REDIS_REPLY_INTEGER) {
      spdlog::warn("redis limiter {}: unexpected reply to the lease script: {}", key,
                   r->type == REDIS_REPLY_ERROR ? std::string(r->str, r->len) : "non-integer");
      Disconnect();
      return std::nullopt;
    }
    return static_cast<int64_t>(r->integer);
  }
};

Result<std::unique_ptr<RedisLimiter>> RedisLimiter::Create(RedisLimiterOptions options,
                                                           const Clock& clock) {
  MICRO_RETURN_IF_ERROR(options.Validate());
  return std::unique_ptr<RedisLimiter>(new RedisLimiter(std::move(options), clock));
}

RedisLimiter::RedisLimiter(RedisLimiterOptions options, const Clock& clock)
    : options_(std::move(options)), clock_(clock), worker_(std::make_unique<Worker>()) {
  if (options_.burst == 0) options_.burst = std::max<int64_t>(1, std::llround(options_.rate));
  if (options_.max_lease == 0) options_.max_lease = std::max<int64_t>(1, options_.burst / 2);
  if (options_.fallback_rate == 0) {
    options_.fallback_rate = options_.rate / options_.expected_processes;
  }
  // A tenth of a second of the share as burst: enough to absorb jitter, small enough that
  // the switch to fallback does not release a second's worth at once.
  fallback_ = std::make_unique<TokenBucket>(
      TokenBucketOptions{.rate = options_.fallback_rate,
                         .burst = std::max<int64_t>(1, std::llround(options_.fallback_rate / 10))},
      clock_);
  worker_->endpoint = ParseRedisUrl(options_.url).value();
  worker_->rate_arg = FormatDouble(options_.rate);
  worker_->burst_arg = std::to_string(options_.burst);

  worker_->thread = std::thread([this] {
    // hiredis writes with write(2): a write to a Redis that just died must fail with EPIPE
    // on this thread, not raise SIGPIPE and end the process.
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
    Worker& w = *worker_;
    using std::chrono::duration;
    using std::chrono::milliseconds;
    auto backoff = options_.reconnect_min;
    bool was_degraded = true;
    double demand_rate = 0;  // permits/s asked of this process (EWMA)
    std::minstd_rand rng(std::random_device{}());
    std::uniform_real_distribution<double> jitter(0.5, 1.5);
    uint64_t last_demand = demand_.load();
    Clock::time_point last_estimate = clock_.Now();
    for (;;) {
      {
        std::lock_guard lock(w.mu);
        if (w.stop) break;
      }
      milliseconds wait = options_.lease_period;
      // Calls that find the lease low ask for a refill at once, except while Redis is down or
      // the global bucket is dry: then waking early would only hammer Redis.
      bool wake_on_request = true;
      if (!w.redis && !w.Connect()) {
        degraded_.store(true);
        if (!was_degraded) {
          spdlog::warn(
              "redis limiter {}: Redis at {}:{} unreachable; serving the local share "
              "of {}/s",
              options_.key, w.endpoint.host, w.endpoint.port, options_.fallback_rate);
          was_degraded = true;
        }
        wait = backoff;
        wake_on_request = false;
        backoff = std::min(backoff * 2, options_.reconnect_max);
      } else {
        backoff = options_.reconnect_min;
        // Demand estimate: what was asked since the last look, smoothed.
        const Clock::time_point now = clock_.Now();
        const double elapsed = duration<double>(now - last_estimate).count();
        if (elapsed >= 0.02) {
          const uint64_t d = demand_.load();
          const double instant = static_cast<double>(d - last_demand) / elapsed;
          demand_rate = demand_rate == 0 ? instant : 0.7 * demand_rate + 0.3 * instant;
          last_demand = d;
          last_estimate = now;
        }
        const double period = duration<double>(options_.lease_period).count();
        const int64_t target = std::clamp<int64_t>(std::llround(std::ceil(demand_rate * period)), 1,
                                                   options_.max_lease);
        low_water_.store(target / 2);
        const int64_t have = tokens_.load();
        refill_requested_.store(false);
        if (have <= target / 2) {
          const int64_t wanted = target - have;
          std::optional<int64_t> granted = w.Lease(options_.key, wanted);
          if (!granted) {
            degraded_.store(true);
            continue;  // reconnect at once, then back off
          }
          tokens_.fetch_add(*granted);
          if (was_degraded) {
            spdlog::info("redis limiter {}: leasing from Redis at {}:{}", options_.key,
                         w.endpoint.host, w.endpoint.port);
            was_degraded = false;
          }
          degraded_.store(false);
          if (*granted < wanted) {
            // The global bucket is dry: come back when it has had time to refill some, but
            // before it could overflow (which would lose tokens for everyone).
            // Jittered, so that processes polling a dry bucket do not fall into lockstep
            // where the same one always arrives just after the other emptied it.
            const double refill_s = static_cast<double>(std::min(target, options_.burst / 2 + 1)) /
                                    options_.rate * jitter(rng);
            wait = std::clamp(std::chrono::duration_cast<milliseconds>(duration<double>(refill_s)),
                              milliseconds(1), options_.lease_period);
            wake_on_request = false;
          }
        }
      }
      std::unique_lock lock(w.mu);
      w.cv.wait_for(lock, wait,
                    [&] { return w.stop || (wake_on_request && refill_requested_.load()); });
    }
    // Give back what this process will never use, so others may.
    const int64_t unused = tokens_.exchange(0);
    if (unused > 0 && w.redis) (void)w.Lease(options_.key, -unused);
  });
}

RedisLimiter::~RedisLimiter() {
  {
    std::lock_guard lock(worker_->mu);
    worker_->stop = true;
  }
  worker_->cv.notify_all();
  worker_->thread.join();
}

void RedisLimiter::WakeWorker() {
  if (refill_requested_.exchange(true)) return;  // already asked
  std::lock_guard lock(worker_->mu);
  worker_->cv.notify_one();
}

bool RedisLimiter::DoTryAcquire(int64_t n) {
  if (n <= 0) return true;
  demand_.fetch_add(static_cast<uint64_t>(n), std::memory_order_relaxed);
  int64_t have = tokens_.load(std::memory_order_relaxed);
  while (have >= n) {
    if (tokens_.compare_exchange_weak(have, have - n, std::memory_order_relaxed)) {
      if (have - n <= low_water_.load(std::memory_order_relaxed)) WakeWorker();
      return true;
    }
  }
  if (degraded_.load(std::memory_order_relaxed)) return fallback_->TryAcquire(n);
  WakeWorker();
  return false;
}

}  // namespace micro::governance

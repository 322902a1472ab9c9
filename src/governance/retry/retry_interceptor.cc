#include <micro/governance/retry_interceptor.h>

#include <condition_variable>

#include <micro/governance/metrics.h>

namespace micro::governance {
namespace {

// Sleeps `delay`, or less when `ctx` is cancelled meanwhile.
void InterruptibleSleep(Context& ctx, std::chrono::nanoseconds delay) {
  struct Wake {
    std::mutex mu;
    std::condition_variable cv;
    bool woken = false;
  };
  auto wake = std::make_shared<Wake>();
  uint64_t handle = ctx.OnCancel([wake] {
    {
      std::lock_guard lock(wake->mu);
      wake->woken = true;
    }
    wake->cv.notify_all();
  });
  {
    std::unique_lock lock(wake->mu);
    wake->cv.wait_for(lock, delay, [&] { return wake->woken; });
  }
  ctx.RemoveOnCancel(handle);
}

}  // namespace

// One logical call in flight. Whoever finishes it calls `done` exactly once; if the
// state dies unfinished (a timer shut down with the retry pending), its destructor does.
struct RetryInterceptor::CallState {
  CallState(Context& c, client::ClientCall& cl, client::ClientNext n, client::Done d)
      : ctx(c), call(cl), next(n), done(std::move(d)) {}
  ~CallState() {
    if (!finished.exchange(true)) {
      done(last.ok() ? Status::Unavailable("retry dropped: the timer shut down") : last);
    }
  }
  void Finish(Status s) {
    if (finished.exchange(true)) return;
    client::Done d = std::move(done);
    d(std::move(s));
  }

  Context& ctx;
  client::ClientCall& call;
  client::ClientNext next;
  client::Done done;
  std::shared_ptr<const RetryRules> rules;  // keeps `options` alive
  RetryPolicy policy;
  std::shared_ptr<RetryBudget> budget;
  int attempts = 0;
  Status last;
  std::atomic<bool> finished{false};
  // An armed async backoff; whoever swaps it to 0 (the timer or a cancellation) goes on.
  std::atomic<runtime::Timer::Id> timer_id{0};
  std::atomic<uint64_t> cancel_handle{0};
  // Keeps this state alive while an attempt is out: the attempt's continuation then
  // holds a plain pointer, small enough for std::function to store without allocating.
  std::shared_ptr<CallState> in_attempt;
};

RetryInterceptor::RetryInterceptor(RetryRules rules, std::optional<RetryBudgetOptions> budget,
                                   RetryEnv env)
    : clock_(env.clock ? *env.clock : Clock::Real()),
      timer_(env.timer ? *env.timer : runtime::Timer::Shared()),
      random_(env.random ? std::move(env.random) : DefaultRandom()),
      sleep_(env.sleep ? std::move(env.sleep) : RetrySleepFn(InterruptibleSleep)),
      rules_(std::make_shared<const RetryRules>(std::move(rules))),
      budget_options_(budget) {}

RetryInterceptor::~RetryInterceptor() = default;

void RetryInterceptor::SetRules(RetryRules rules) {
  auto next = std::make_shared<const RetryRules>(std::move(rules));
  std::lock_guard lock(rules_mu_);
  rules_.swap(next);
}

void RetryInterceptor::SetBudget(std::optional<RetryBudgetOptions> budget) {
  std::unique_lock lock(budgets_mu_);
  budget_options_ = budget;
  budgets_.clear();
}

RetryInterceptor::Stats RetryInterceptor::stats() const {
  return {.calls = calls_.load(std::memory_order_relaxed),
          .retries = retries_.load(std::memory_order_relaxed),
          .budget_exhausted = budget_exhausted_.load(std::memory_order_relaxed),
          .deadline_too_close = deadline_too_close_.load(std::memory_order_relaxed),
          .not_idempotent = not_idempotent_.load(std::memory_order_relaxed)};
}

std::shared_ptr<RetryBudget> RetryInterceptor::BudgetFor(std::string_view service) {
  {
    std::shared_lock lock(budgets_mu_);
    if (!budget_options_) return nullptr;
    auto it = budgets_.find(service);
    if (it != budgets_.end()) return it->second;
  }
  std::unique_lock lock(budgets_mu_);
  if (!budget_options_) return nullptr;
  auto& slot = budgets_[std::string(service)];
  if (!slot) slot = std::make_shared<RetryBudget>(*budget_options_, clock_);
  return slot;
}

void RetryInterceptor::Intercept(Context& ctx, client::ClientCall& call, client::ClientNext next,
                                 client::Done done) {
  calls_.fetch_add(1, std::memory_order_relaxed);
  auto state = std::make_shared<CallState>(ctx, call, next, std::move(done));
  {
    std::lock_guard lock(rules_mu_);
    state->rules = rules_;
  }
  state->policy = RetryPolicy(state->rules->For(call.service, call.method));
  if (state->policy.options().max_attempts > 1) {
    state->budget = BudgetFor(call.service);
    if (state->budget) state->budget->RecordRequest();
  }
  Attempt(state);
}

void RetryInterceptor::Attempt(const std::shared_ptr<CallState>& state) {
  ++state->attempts;
  CallState* raw = state.get();
  raw->in_attempt = state;
  raw->next(raw->ctx, raw->call, [this, raw](Status s) {
    std::shared_ptr<CallState> owned = std::move(raw->in_attempt);
    OnAttemptDone(owned, std::move(s));
  });
}

void RetryInterceptor::OnAttemptDone(const std::shared_ptr<CallState>& state, Status status) {
  Context& ctx = state->ctx;
  if (ctx.cancelled()) return state->Finish(std::move(status));
  switch (state->policy.ShouldRetry(status, state->attempts, state->call.idempotent)) {
    case RetryVerdict::kRetry:
      break;
    case RetryVerdict::kNotIdempotent:
      not_idempotent_.fetch_add(1, std::memory_order_relaxed);
      return state->Finish(std::move(status));
    default:
      return state->Finish(std::move(status));
  }
  auto delay = state->policy.Backoff(state->attempts, random_);
  if (ctx.has_deadline() && ctx.Remaining() <= delay) {
    deadline_too_close_.fetch_add(1, std::memory_order_relaxed);
    return state->Finish(std::move(status));
  }
  if (state->budget && !state->budget->TryRetry()) {
    budget_exhausted_.fetch_add(1, std::memory_order_relaxed);
    if (metrics_) metrics_->RetryBudgetExhausted(state->call.method);
    return state->Finish(std::move(status));
  }
  retries_.fetch_add(1, std::memory_order_relaxed);
  if (metrics_) metrics_->Retried(state->call.method);
  state->last = std::move(status);
  if (!state->call.async) {
    if (delay.count() > 0) sleep_(ctx, delay);
    if (ctx.cancelled()) {
      return state->Finish(Status::Cancelled("call cancelled while waiting to retry"));
    }
    return Attempt(state);
  }
  ScheduleRetry(state, delay);
}

void RetryInterceptor::ScheduleRetry(const std::shared_ptr<CallState>& state,
                                     std::chrono::nanoseconds delay) {
  // The backoff is owned by whoever swaps timer_id to 0: the timer task (which then sends
  // the retry) or a cancellation (which ends the call). The id is reserved before the
  // task can run, so a cancellation can always cancel it. Once the task is scheduled the
  // call may end at any moment on another thread (and its owner may go away): nothing is
  // touched after Schedule() succeeds.
  runtime::Timer::Id id = timer_.Reserve();
  if (id == 0) return state->Finish(std::move(state->last));  // the timer shut down
  state->timer_id.store(id);
  std::weak_ptr<CallState> weak = state;
  state->cancel_handle.store(state->ctx.OnCancel([this, weak] {
    auto s = weak.lock();
    if (!s) return;
    runtime::Timer::Id armed = s->timer_id.exchange(0);
    if (armed == 0) return;  // the retry already started
    timer_.Cancel(armed);
    s->Finish(Status::Cancelled("call cancelled while waiting to retry"));
  }));
  if (state->timer_id.load() == 0) return;  // cancelled already: the call has ended
  bool scheduled = timer_.Schedule(id, delay, [this, state] {
    if (state->timer_id.exchange(0) == 0) return;  // a cancellation took over
    if (uint64_t h = state->cancel_handle.exchange(0)) state->ctx.RemoveOnCancel(h);
    if (state->ctx.cancelled()) {
      return state->Finish(Status::Cancelled("call cancelled while waiting to retry"));
    }
    Attempt(state);
  });
  if (scheduled) return;
  // Refused: a cancellation took the id (and ended the call), or the timer shut down.
  if (state->timer_id.exchange(0) != 0) {
    if (uint64_t h = state->cancel_handle.exchange(0)) state->ctx.RemoveOnCancel(h);
    state->Finish(std::move(state->last));
  }
}

}  // namespace micro::governance

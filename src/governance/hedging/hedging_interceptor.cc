#include <condition_variable>
#include <vector>

#include <google/protobuf/message.h>

#include <micro/governance/hedging.h>

namespace micro::governance {

namespace {

class SharedTimerScheduler final : public HedgeScheduler {
 public:
  uint64_t After(std::chrono::nanoseconds delay, std::function<void()> task) override {
    return runtime::Timer::Shared().After(delay, std::move(task));
  }
  void Cancel(uint64_t id) override { runtime::Timer::Shared().Cancel(id); }
};

HedgeScheduler& DefaultScheduler() {
  static SharedTimerScheduler* scheduler = new SharedTimerScheduler();  // never destroyed
  return *scheduler;
}

}  // namespace

struct HedgingInterceptor::Counters {
  std::atomic<uint64_t> calls{0}, hedges{0}, hedge_wins{0}, budget_exhausted{0}, not_idempotent{0},
      cancelled_losers{0};
};

// One hedged call. Attempts hold it (through their done callbacks and the pending hedge
// timer) until the last of them is over. The caller's `call`, `next` (whose owner is the
// caller's) and `done` are used only before the call ends: an attempt is handed to `next`
// only while the call is undecided, and the call ends (Finish) only once no `next` is
// running — so a hedge being sent on the timer's thread while another attempt wins cannot
// outlive the caller.
struct HedgingInterceptor::CallState {
  struct Attempt {
    Context ctx;  // a child of `group`: cancelled on its own when it loses
    client::ClientCall call;
    std::unique_ptr<google::protobuf::Message> response;
    Clock::time_point start;
  };

  explicit CallState(client::ClientNext n) : next(n) {}

  client::ClientCall* call = nullptr;  // the caller's, until Finish
  client::ClientNext next;
  client::Done done;  // async calls only; a blocking call's Intercept runs its own
  bool blocking = false;
  std::string service, method;  // the attempts' ClientCall views point here
  Context group;                // a child of the caller's Context; parent of the attempts'
  HedgingOptions options;
  std::chrono::nanoseconds delay{0};
  std::shared_ptr<LatencyWindow> window;  // null: fixed delay
  std::shared_ptr<RetryBudget> budget;    // null: no budget
  std::shared_ptr<Counters> counters;
  const Clock* clock = nullptr;
  HedgeScheduler* scheduler = nullptr;

  std::mutex mu;
  std::condition_variable finished_cv;  // blocking calls wait on it
  std::vector<std::unique_ptr<Attempt>> attempts;
  std::vector<std::string> tried;  // addresses of the attempts sent (and the caller's)
  int outstanding = 0;             // attempts sent that have not answered
  int sending = 0;                 // `next` calls running
  bool decided = false;
  bool finish_pending = false;  // decided while sending: the last sender finishes
  bool hedges_stopped = false;  // the budget said no
  uint64_t timer_gen = 0;       // a fired timer whose generation is not this one is stale
  uint64_t timer_id = 0;
  Attempt* winner = nullptr;     // set when decided (null: every attempt failed non-fatally)
  Status final_status;           // set when decided
  std::optional<Status> result;  // blocking calls: set by Finish

  bool MayHedgeLocked() const {
    return !decided && !hedges_stopped &&
           attempts.size() < static_cast<size_t>(options.max_attempts) && !group.cancelled() &&
           !group.Expired();
  }
  // Under `mu`: withdraws one hedge from the budget.
  bool TakeBudgetLocked() {
    if (!budget || budget->TryRetry()) return true;
    counters->budget_exhausted.fetch_add(1, std::memory_order_relaxed);
    hedges_stopped = true;
    return false;
  }
  // Under `mu`: forgets the armed timer; returns its id for a Cancel outside the lock.
  uint64_t DisarmLocked() {
    ++timer_gen;
    uint64_t id = timer_id;
    timer_id = 0;
    return id;
  }

  // Sends one more attempt; `hedge`: only if another attempt is still allowed, withdrawing
  // it from the budget. False when no attempt went out.
  static bool Send(const std::shared_ptr<CallState>& s, bool hedge);
  static void Arm(const std::shared_ptr<CallState>& s);
  static void OnTimer(const std::shared_ptr<CallState>& s, uint64_t gen);
  static void OnAnswer(const std::shared_ptr<CallState>& s, Attempt* a, Status status);
  // Under `mu` (released here): `winner` (null: none, every attempt failed non-fatally)
  // decides the call with `status`; the losers are cancelled at once.
  static void Decide(const std::shared_ptr<CallState>& s, std::unique_lock<std::mutex>& lock,
                     Attempt* winner, Status status);
  // Hands the decision to the caller, once, when no `next` is running.
  static void Finish(const std::shared_ptr<CallState>& s);
};

bool HedgingInterceptor::CallState::Send(const std::shared_ptr<CallState>& s, bool hedge) {
  Attempt* a;
  size_t tried_before;
  {
    std::lock_guard lock(s->mu);
    if (s->decided) return false;
    if (hedge) {
      // A cancelled or expired call is ended by its attempts' answers.
      if (!s->MayHedgeLocked() || !s->TakeBudgetLocked()) return false;
      s->counters->hedges.fetch_add(1, std::memory_order_relaxed);
    }
    auto owned = std::make_unique<Attempt>();
    a = owned.get();
    a->ctx = s->group.Child();
    a->response.reset(s->call->response->New());
    a->call.service = s->service;
    a->call.method = s->method;
    a->call.request = s->call->request;
    a->call.response = a->response.get();
    a->call.idempotent = true;
    // Even for a blocking call: a hedge must not wait behind a blocked attempt.
    a->call.async = true;
    a->call.attempt = static_cast<int>(s->attempts.size());
    a->call.tried = s->tried;
    tried_before = a->call.tried.size();
    a->start = s->clock->Now();
    s->attempts.push_back(std::move(owned));
    ++s->outstanding;
    ++s->sending;
  }
  s->next(a->ctx, a->call, [s, a](Status status) { OnAnswer(s, a, std::move(status)); });
  bool finish;
  {
    std::lock_guard lock(s->mu);
    // The node was picked inside `next`; the hedges avoid it.
    if (a->call.tried.size() > tried_before) s->tried.push_back(a->call.tried.back());
    --s->sending;
    finish = s->finish_pending && s->sending == 0;
    if (finish) s->finish_pending = false;
  }
  if (finish) {
    Finish(s);
  } else {
    Arm(s);
  }
  return true;
}

void HedgingInterceptor::CallState::Arm(const std::shared_ptr<CallState>& s) {
  // The scheduler is called outside `mu`: its thread takes `mu` in OnTimer, and the task
  // may run before After returns.
  uint64_t gen, stale;
  {
    std::lock_guard lock(s->mu);
    if (!s->MayHedgeLocked()) return;
    stale = s->DisarmLocked();
    gen = s->timer_gen;
  }
  if (stale != 0) s->scheduler->Cancel(stale);
  uint64_t id = s->scheduler->After(s->delay, [s, gen] { OnTimer(s, gen); });
  {
    std::lock_guard lock(s->mu);
    if (s->timer_gen == gen && !s->decided) {
      s->timer_id = id;
      return;
    }
  }
  if (id != 0) s->scheduler->Cancel(id);
}

void HedgingInterceptor::CallState::OnTimer(const std::shared_ptr<CallState>& s, uint64_t gen) {
  {
    std::lock_guard lock(s->mu);
    if (s->timer_gen != gen) return;  // disarmed: the call ended or another attempt went out
    s->timer_id = 0;
  }
  Send(s, /*hedge=*/true);
}

void HedgingInterceptor::CallState::OnAnswer(const std::shared_ptr<CallState>& s, Attempt* a,
                                             Status status) {
  std::unique_lock lock(s->mu);
  --s->outstanding;
  if (s->decided) return;  // a loser: its answer is dropped
  if (status.ok() || !s->options.non_fatal_codes.Contains(status.code())) {
    return Decide(s, lock, a, std::move(status));
  }
  // Non-fatal: the next attempt goes out now instead of after the delay.
  if (s->MayHedgeLocked()) {
    uint64_t armed = s->DisarmLocked();
    // Held until Send has sent or refused: meanwhile no other answer may conclude that
    // nothing is left, and a winner leaves the caller's `done` to us.
    ++s->sending;
    lock.unlock();
    if (armed != 0) s->scheduler->Cancel(armed);
    bool sent = Send(s, /*hedge=*/true);
    lock.lock();
    --s->sending;
    if (!s->decided && !sent && s->outstanding == 0 && s->sending == 0) {
      return Decide(s, lock, nullptr, std::move(status));  // the budget said no
    }
    bool finish = s->finish_pending && s->sending == 0;
    if (finish) s->finish_pending = false;
    lock.unlock();
    if (finish) Finish(s);
    return;
  }
  if (s->outstanding > 0 || s->sending > 0) return;  // another attempt may still answer
  Decide(s, lock, nullptr, std::move(status));
}

void HedgingInterceptor::CallState::Decide(const std::shared_ptr<CallState>& s,
                                           std::unique_lock<std::mutex>& lock, Attempt* winner,
                                           Status status) {
  s->decided = true;
  s->winner = winner;
  s->final_status = std::move(status);
  uint64_t armed = s->DisarmLocked();
  int losers = s->outstanding;
  bool finish_now = s->sending == 0;
  if (!finish_now) s->finish_pending = true;
  lock.unlock();

  Counters& c = *s->counters;
  if (losers > 0) c.cancelled_losers.fetch_add(static_cast<uint64_t>(losers));
  if (armed != 0) s->scheduler->Cancel(armed);
  if (winner != nullptr) {
    if (winner != s->attempts.front().get()) c.hedge_wins.fetch_add(1, std::memory_order_relaxed);
    if (s->final_status.ok() && s->window) s->window->Record(s->clock->Now() - winner->start);
  }
  // The losers' answers, if they still come, find the call decided.
  s->group.Cancel();
  if (finish_now) Finish(s);
}

void HedgingInterceptor::CallState::Finish(const std::shared_ptr<CallState>& s) {
  // Runs once (decided, and no `next` running): the fields below are no longer written.
  client::ClientCall* call = s->call;
  s->call = nullptr;
  if (s->winner != nullptr) {
    const google::protobuf::Reflection* reflection = call->response->GetReflection();
    reflection->Swap(call->response, s->winner->response.get());
  }
  if (!s->blocking) {
    client::Done done = std::move(s->done);
    done(s->final_status);
    return;
  }
  std::lock_guard lock(s->mu);
  s->result = s->final_status;
  s->finished_cv.notify_all();
}

HedgingInterceptor::HedgingInterceptor(HedgingRules rules, std::optional<RetryBudgetOptions> budget,
                                       HedgingEnv env)
    : clock_(env.clock ? *env.clock : Clock::Real()),
      scheduler_(env.scheduler ? *env.scheduler : DefaultScheduler()),
      budget_for_(std::move(env.budget_for)),
      budget_options_(budget),
      rules_(std::make_shared<const HedgingRules>(std::move(rules))),
      counters_(std::make_shared<Counters>()) {}

HedgingInterceptor::~HedgingInterceptor() = default;

void HedgingInterceptor::SetRules(HedgingRules rules) {
  auto next = std::make_shared<const HedgingRules>(std::move(rules));
  std::lock_guard lock(rules_mu_);
  rules_.swap(next);
}

HedgingInterceptor::Stats HedgingInterceptor::stats() const {
  const Counters& c = *counters_;
  return {.calls = c.calls.load(std::memory_order_relaxed),
          .hedges = c.hedges.load(std::memory_order_relaxed),
          .hedge_wins = c.hedge_wins.load(std::memory_order_relaxed),
          .budget_exhausted = c.budget_exhausted.load(std::memory_order_relaxed),
          .not_idempotent = c.not_idempotent.load(std::memory_order_relaxed),
          .cancelled_losers = c.cancelled_losers.load(std::memory_order_relaxed)};
}

std::shared_ptr<LatencyWindow> HedgingInterceptor::WindowFor(std::string_view method,
                                                             double percentile) {
  {
    std::shared_lock lock(maps_mu_);
    auto it = windows_.find(std::string(method));
    if (it != windows_.end() && it->second->percentile() == percentile) return it->second;
  }
  std::unique_lock lock(maps_mu_);
  auto& slot = windows_[std::string(method)];
  if (!slot || slot->percentile() != percentile) slot = std::make_shared<LatencyWindow>(percentile);
  return slot;
}

std::shared_ptr<RetryBudget> HedgingInterceptor::BudgetFor(std::string_view service) {
  if (budget_for_) return budget_for_(service);
  if (!budget_options_) return nullptr;
  {
    std::shared_lock lock(maps_mu_);
    auto it = budgets_.find(std::string(service));
    if (it != budgets_.end()) return it->second;
  }
  std::unique_lock lock(maps_mu_);
  auto& slot = budgets_[std::string(service)];
  if (!slot) slot = std::make_shared<RetryBudget>(*budget_options_, clock_);
  return slot;
}

void HedgingInterceptor::Intercept(Context& ctx, client::ClientCall& call, client::ClientNext next,
                                   client::Done done) {
  std::shared_ptr<const HedgingRules> rules;
  {
    std::lock_guard lock(rules_mu_);
    rules = rules_;
  }
  const HedgingOptions& options = rules->For(call.service, call.method);
  // A call to an explicit address (no service) has no other node to hedge to.
  if (!options.enabled() || call.response == nullptr || call.service.empty()) {
    return next(ctx, call, std::move(done));
  }
  if (!call.idempotent && !options.idempotent) {
    counters_->not_idempotent.fetch_add(1, std::memory_order_relaxed);
    return next(ctx, call, std::move(done));
  }
  counters_->calls.fetch_add(1, std::memory_order_relaxed);

  auto s = std::make_shared<CallState>(next);
  s->call = &call;
  s->blocking = !call.async;
  if (call.async) s->done = std::move(done);
  s->service = call.service;
  s->method = call.method;
  s->group = ctx.Child();
  s->options = options;
  s->delay = options.delay;
  if (options.delay_percentile > 0) {
    s->window = WindowFor(call.method, options.delay_percentile);
    if (auto p = s->window->Percentile(options.min_samples)) s->delay = *p;
  }
  s->budget = BudgetFor(call.service);
  if (s->budget) s->budget->RecordRequest();
  s->counters = counters_;
  s->clock = &clock_;
  s->scheduler = &scheduler_;
  s->tried = call.tried;
  s->attempts.reserve(static_cast<size_t>(options.max_attempts));

  CallState::Send(s, /*hedge=*/false);
  if (!s->blocking) return;
  Status result;
  {
    std::unique_lock lock(s->mu);
    s->finished_cv.wait(lock, [&] { return s->result.has_value(); });
    result = std::move(*s->result);
  }
  done(std::move(result));
}

}  // namespace micro::governance

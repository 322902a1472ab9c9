// BulkheadInterceptor: one Bulkhead per method, found by the method's address (MethodTable)
// so a call costs no lookup lock and no allocation.
#include <string>

#include <micro/governance/bulkhead.h>
#include <micro/governance/metrics.h>

#include "governance/limit/method_table.h"

namespace micro::governance {

struct BulkheadInterceptor::State {
  explicit State(std::vector<BulkheadRule> r)
      : rules(std::move(r)), table([this](const server::Method& m) -> std::shared_ptr<Bulkhead> {
          for (const BulkheadRule& rule : rules) {
            if (internal::MethodMatches(rule.method, m)) {
              return std::make_shared<Bulkhead>(rule.bulkhead);
            }
          }
          return nullptr;
        }) {}
  std::vector<BulkheadRule> rules;
  internal::MethodTable<Bulkhead> table;
};

Status BulkheadRule::Validate() const {
  MICRO_RETURN_IF_ERROR(internal::ValidateMethodPattern(method, "method"));
  if (Status s = bulkhead.Validate(); !s.ok()) {
    return Status::InvalidArgument("bulkhead." + s.message());
  }
  return Status::Ok();
}

BulkheadInterceptor::BulkheadInterceptor() = default;
BulkheadInterceptor::~BulkheadInterceptor() = default;

Result<std::shared_ptr<BulkheadInterceptor>> BulkheadInterceptor::Create(
    std::vector<BulkheadRule> rules) {
  std::shared_ptr<BulkheadInterceptor> interceptor(new BulkheadInterceptor());
  MICRO_RETURN_IF_ERROR(interceptor->Update(std::move(rules)));
  return interceptor;
}

Status BulkheadInterceptor::Update(std::vector<BulkheadRule> rules) {
  for (size_t i = 0; i < rules.size(); ++i) {
    if (Status s = rules[i].Validate(); !s.ok()) {
      return Status::InvalidArgument("rules[" + std::to_string(i) + "]." + s.message());
    }
  }
  std::lock_guard lock(update_mu_);
  if (auto old = state_.load(); old && old->rules == rules) return Status::Ok();
  state_.store(std::make_shared<State>(std::move(rules)));
  return Status::Ok();
}

int64_t BulkheadInterceptor::InFlight(std::string_view path) const {
  Bulkhead* b = state_.load()->table.Find(path);
  return b ? b->in_flight() : 0;
}

Status BulkheadInterceptor::Intercept(Context& ctx, const server::CallInfo& call,
                                      server::Next next) {
  // Held for the call, so a concurrent Update cannot free the bulkhead we entered.
  std::shared_ptr<State> state = state_.load();
  Bulkhead* bulkhead = state->table.Get(call.method);
  if (bulkhead == nullptr) return next(ctx);
  const bool may_wait = call.method.execution == server::Execution::kBlocking;
  if (!(may_wait ? bulkhead->Enter() : bulkhead->TryEnter())) {
    if (metrics_) metrics_->Rejected(LimitPolicy::kBulkhead, call.method);
    return Status::ResourceExhausted("too many concurrent calls to " + call.method.Path());
  }
  // Leaves even when the handler throws (RecoveryInterceptor, outside us, catches it).
  struct Leaver {
    Bulkhead* b;
    ~Leaver() { b->Leave(); }
  } leaver{bulkhead};
  return next(ctx);
}

}  // namespace micro::governance

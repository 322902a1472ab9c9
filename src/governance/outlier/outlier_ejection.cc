#include <micro/governance/outlier_ejection.h>

namespace micro::governance {

OutlierEjection::OutlierEjection(std::shared_ptr<OutlierDetector> detector, const Clock& clock)
    : detector_(std::move(detector)), clock_(clock) {}

void OutlierEjection::Intercept(Context& ctx, client::ClientCall& call, client::ClientNext next,
                                client::Done done) {
  if (call.node == nullptr || call.service.empty()) return next(ctx, call, std::move(done));
  auto start = clock_.Now();
  next(ctx, call, [this, &ctx, &call, node = call.node, start, done = std::move(done)](Status s) {
    if (!(s.code() == StatusCode::kCancelled && ctx.cancelled())) {
      detector_->Observe(call.service, node->id, s, clock_.Now() - start);
    }
    done(std::move(s));
  });
}

void OutlierEjection::Filter(const Context& /*ctx*/, const selector::CallTarget& target,
                             selector::NodeSet& nodes) {
  detector_->Filter(target.service, nodes);
}

}  // namespace micro::governance

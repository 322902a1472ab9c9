// OutlierEjection: puts an OutlierDetector (outlier.h) on a client, in two roles — an
// attempt-level interceptor that reports every attempt's outcome and latency, and a
// RouteFilter that keeps ejected nodes out of the selector's candidates:
//
//   auto ejection = std::make_shared<OutlierEjection>(std::make_shared<OutlierDetector>());
//   client.UseAttempt(ejection);
//   client.AddRouteFilter(ejection);
//
// Attempts to an explicit address (no registry node) and attempts the caller cancelled
// are not observed. Thread-safe.
#pragma once

#include <memory>

#include <micro/client/interceptor.h>
#include <micro/governance/outlier.h>
#include <micro/selector/route_filter.h>

namespace micro::governance {

class OutlierEjection : public client::ClientInterceptor, public selector::RouteFilter {
 public:
  explicit OutlierEjection(std::shared_ptr<OutlierDetector> detector,
                           const Clock& clock = Clock::Real());

  OutlierDetector& detector() { return *detector_; }

  // client::ClientInterceptor
  void Intercept(Context& ctx, client::ClientCall& call, client::ClientNext next,
                 client::Done done) override;

  // selector::RouteFilter
  void Filter(const Context& ctx, const selector::CallTarget& target,
              selector::NodeSet& nodes) override;

 private:
  std::shared_ptr<OutlierDetector> detector_;
  const Clock& clock_;
};

}  // namespace micro::governance

// The built-in selectors, registered in selector.cc. Internal to libmicro.
#pragma once

#include <micro/selector/selector.h>

namespace micro::selector {

Result<std::unique_ptr<Selector>> NewRoundRobin(const Url& url);
Result<std::unique_ptr<Selector>> NewRandom(const Url& url);
// The selectors of selectors.h, created from their URL (query keys checked there).
Result<std::unique_ptr<Selector>> WeightedRoundRobinFromUrl(const Url& url);
Result<std::unique_ptr<Selector>> LeastRequestFromUrl(const Url& url);
Result<std::unique_ptr<Selector>> P2cEwmaFromUrl(const Url& url);
Result<std::unique_ptr<Selector>> ConsistentHashFromUrl(const Url& url);

}  // namespace micro::selector

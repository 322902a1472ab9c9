// The built-in selectors, registered in selector.cc. Internal to libmicro.
#pragma once

#include <micro/selector/selector.h>

namespace micro::selector {

Result<std::unique_ptr<Selector>> NewRoundRobin(const Url& url);
Result<std::unique_ptr<Selector>> NewRandom(const Url& url);

}  // namespace micro::selector

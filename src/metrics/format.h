// Number formatting shared by the exposition and histogram `le` labels.
#pragma once

#include <string>

namespace micro::metrics::internal {

// "1", "0.005", "2.5e-07", "+Inf", "-Inf", "NaN": integers without a fraction, other
// values in the shortest form that reads back as the same double.
std::string FormatValue(double v);

}  // namespace micro::metrics::internal

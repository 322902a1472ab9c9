// CodeSet: a set of status codes, as governance policies name them in their options —
// which codes a retry repeats, which ones a breaker or an outlier detector counts as a
// failure of the endpoint.
//
//   micro::governance::CodeSet retryable{micro::StatusCode::kUnavailable};
//   if (retryable.Contains(status.code())) ...
//   auto codes = micro::governance::CodeSet::FromNames({"UNAVAILABLE", "INTERNAL"});
//
// A plain value (one bit per code): copy it freely, read it from any thread.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <micro/core/result.h>
#include <micro/core/status.h>

namespace micro::governance {

class CodeSet {
 public:
  constexpr CodeSet() = default;
  constexpr CodeSet(std::initializer_list<StatusCode> codes) {
    for (StatusCode c : codes) Add(c);
  }

  constexpr void Add(StatusCode c) { bits_ |= Bit(c); }
  constexpr void Remove(StatusCode c) { bits_ &= ~Bit(c); }
  constexpr bool Contains(StatusCode c) const { return (bits_ & Bit(c)) != 0; }
  constexpr bool empty() const { return bits_ == 0; }
  friend constexpr bool operator==(CodeSet a, CodeSet b) = default;

  // The codes in ascending order, spelled as gRPC spells them ("UNAVAILABLE").
  std::vector<std::string> Names() const;
  // Parses gRPC code names; INVALID_ARGUMENT names the first unknown one.
  static Result<CodeSet> FromNames(const std::vector<std::string>& names);

  // What breakers and outlier detection count as a failure of the endpoint by default:
  // it did not answer, answered too late, broke, or is overloaded.
  static constexpr CodeSet DefaultFailures() {
    return {StatusCode::kUnavailable, StatusCode::kDeadlineExceeded, StatusCode::kInternal,
            StatusCode::kResourceExhausted};
  }

 private:
  static constexpr uint32_t Bit(StatusCode c) {
    int v = static_cast<int>(c);
    return v >= 0 && v < 32 ? (uint32_t{1} << v) : 0;
  }
  uint32_t bits_ = 0;
};

}  // namespace micro::governance

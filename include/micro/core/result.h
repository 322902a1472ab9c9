// micro::Result<T>: a value or the Status that explains why there is none.
//
//   micro::Result<Config> Load(std::string_view path);
//   auto cfg = Load("app.yaml");
//   if (!cfg.ok()) return cfg.status();
//   Use(*cfg);
#pragma once

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

#include <micro/core/status.h>

namespace micro {

template <typename T>
class [[nodiscard]] Result {
 public:
  // Implicit from a value or a non-OK Status, so `return value;` and `return status;`
  // both read naturally in a function returning Result<T>.
  Result(T value) : data_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : data_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(data_).ok() && "Result built from an OK Status has no value");
    if (std::get<Status>(data_).ok()) {
      data_ = Status::Internal("Result constructed from OK status without a value");
    }
  }

  bool ok() const { return std::holds_alternative<T>(data_); }
  // OK when a value is held.
  Status status() const { return ok() ? Status() : std::get<Status>(data_); }

  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  T value_or(T fallback) const& { return ok() ? std::get<T>(data_) : std::move(fallback); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> data_;
};

}  // namespace micro

// Returns early from the enclosing function when `expr` (a Status) is not OK.
#define MICRO_RETURN_IF_ERROR(expr)                \
  do {                                             \
    ::micro::Status micro_status_ = (expr);        \
    if (!micro_status_.ok()) return micro_status_; \
  } while (0)

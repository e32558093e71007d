#pragma once
// A result that is either here now or has to be awaited: the one return type of an
// operation that may or may not wait. A store that decides without I/O (memory://) answers
// at once and its caller never builds a coroutine frame; one that must wait hands back the
// task to await. Callers write one path:
//
//   Pending<Answer> p = decider.Decide(query);
//   if (p.ready()) Use(p.value()); else Use(co_await std::move(p).Wait());
//
// (Never `co_await` inside a conditional expression: g++ 12 miscompiles it.)

#include <optional>
#include <utility>

#include "storage/result.h"

namespace limitsd::storage {

template <class T>
class Pending {
 public:
  /// Ready now.
  // By reference, not by value: a ready answer is moved once, straight into place (a
  // by-value parameter cost a second move of every ready answer on the hot path).
  Pending(T&& value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Pending(const T& value) : value_(value) {}        // NOLINT(google-explicit-constructor)
  /// Ready now, built in place from `args`: for a value filled where it is returned
  /// (Pending<T> p(std::in_place); Fill(p.value()); return p;), with no move into place.
  template <class... Args>
  explicit Pending(std::in_place_t, Args&&... args)
      : value_(std::in_place, std::forward<Args>(args)...) {}
  /// To be awaited.
  Pending(Task<T> task) : task_(std::move(task)) {}  // NOLINT(google-explicit-constructor)

  bool ready() const noexcept { return value_.has_value(); }
  /// The value; only when ready().
  T&& value() && { return std::move(*value_); }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  /// The value, awaited when it is not ready: the task itself, with no frame of its own
  /// around it (a ready value costs a coroutine frame here: test ready() first on hot
  /// paths).
  Task<T> Wait() && {
    if (!value_) return std::move(task_);
    return Ready(std::move(*value_));
  }

 private:
  static Task<T> Ready(T value) { co_return std::move(value); }

  std::optional<T> value_;
  Task<T> task_;
};

}  // namespace limitsd::storage

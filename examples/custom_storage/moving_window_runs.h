#pragma once
// The moving window of one key as runs of (time, count), oldest first: a hit costs one run
// whatever its cost, and hits at the same time merge. Not thread-safe (the owning storage
// locks). A unit taken at t counts while t >= now - expiry.

#include <cstdint>
#include <deque>

#include "storage/window_state.h"

namespace limitsd::examples {

class MovingWindowRuns {
 public:
  /// Drops the runs that left the window at `now`.
  void Expire(std::int64_t now, std::int64_t expiry);
  /// Units in the window (call Expire first).
  std::int64_t Count() const noexcept { return total_; }
  bool Empty() const noexcept { return runs_.empty(); }
  /// Time of the newest run; meaningless when Empty().
  std::int64_t NewestTime() const noexcept { return runs_.empty() ? 0 : runs_.back().time; }
  /// The state at `now` for a request of `amount` units under `limit` (call Expire first):
  /// blocking_age is -1 when the amount fits, 0 when it never can (amount > limit),
  /// otherwise the age of the unit at newest-first index `limit - amount`.
  storage::MovingWindowState State(std::int64_t now, std::int64_t limit,
                                   std::int64_t amount) const noexcept;
  /// Takes `amount` units at `now`, then forgets all but the newest `limit` units (older
  /// ones can never decide anything under this limit).
  void Take(std::int64_t now, std::int64_t limit, std::int64_t amount);

 private:
  struct Run {
    std::int64_t time;
    std::int64_t count;
  };
  std::deque<Run> runs_;
  std::int64_t total_ = 0;
};

}  // namespace limitsd::examples

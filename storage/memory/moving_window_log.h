#pragma once
// The moving window of one key: runs of (time, units) in time order, with cumulative unit
// counts so that "the unit at newest-first index i" is a binary search, whatever the
// limit and the cost. Hits at the same time merge into the newest run.

#include <cstdint>
#include <vector>

#include "storage/window_state.h"

namespace limitsd::storage::memory {

class MovingWindowLog {
 public:
  /// Drops the runs that left the window at `now`: a unit taken at t counts while
  /// t >= now - expiry. Times passed to a log never go backwards.
  void Expire(std::int64_t now, std::int64_t expiry);

  /// Units within the window (call Expire first).
  std::int64_t Count() const noexcept { return Total() - base_; }

  /// The state at `now` for a request of `amount` units under `limit` (call Expire first).
  /// When amount > limit, blocking_age is 0: no unit's expiry ever lets it fit.
  MovingWindowState State(std::int64_t now, std::int64_t limit,
                          std::int64_t amount) const noexcept;

  /// Takes `amount` units at `now` and trims the log to the newest `limit` units.
  void Take(std::int64_t now, std::int64_t limit, std::int64_t amount);

  /// Time of the newest run; meaningless when Count() == 0.
  std::int64_t NewestTime() const noexcept { return Empty() ? 0 : runs_.back().time; }
  bool Empty() const noexcept { return head_ == runs_.size(); }
  /// Live runs held (for stats and tests).
  std::size_t Runs() const noexcept { return runs_.size() - head_; }

 private:
  struct Run {
    std::int64_t time;
    std::int64_t cumulative;  ///< units taken up to and including this run
  };

  std::int64_t Total() const noexcept { return Empty() ? base_ : runs_.back().cumulative; }
  /// Time of the unit numbered `unit` (1-based cumulative numbering), which must be live.
  std::int64_t TimeOfUnit(std::int64_t unit) const noexcept;
  /// Forgets every unit numbered <= `unit`.
  void DropThrough(std::int64_t unit);
  /// Frees the dropped prefix when it is large, and restarts the numbering when empty.
  void Compact();

  // runs_[head_..] are live; units numbered <= base_ are gone.
  std::vector<Run> runs_;
  std::uint32_t head_ = 0;
  std::int64_t base_ = 0;
};

}  // namespace limitsd::storage::memory

#pragma once
// Moving window: the log of one key, runs of (time, units) in time order, with cumulative
// unit counts so that "the unit at newest-first index i" is a binary search, whatever the
// limit and the cost. Hits at the same time merge into the newest run. A unit taken at t
// counts while t >= now - E. Times passed to a log never go backwards (the owning store
// keeps its time monotonic).

#include <algorithm>
#include <cstdint>
#include <vector>

#include "strategy/window_state.h"

namespace limitsd::strategy {

class MovingWindowLog {
 public:
  /// Drops the runs that left the window at `now`.
  void Expire(std::int64_t now, std::int64_t expiry) {
    const std::int64_t oldest_live = now - expiry;
    std::size_t i = head_;
    while (i < runs_.size() && runs_[i].time < oldest_live) ++i;
    if (i == head_) return;
    base_ = std::max(base_, runs_[i - 1].cumulative);
    head_ = static_cast<std::uint32_t>(i);
    Compact();
  }

  /// Units within the window (call Expire first).
  std::int64_t Count() const noexcept { return Total() - base_; }

  /// The state at `now` for a request of `amount` units under `limit` (call Expire first).
  /// When amount > limit, blocking_age is 0: no unit's expiry ever lets it fit.
  MovingWindowState State(std::int64_t now, std::int64_t limit,
                          std::int64_t amount) const noexcept {
    MovingWindowState state;
    state.count = Count();
    if (state.count > 0) state.newest_age = Micros{now - runs_.back().time};
    if (amount > limit) {
      state.blocking_age = Micros{0};
    } else if (state.count + amount > limit) {
      // Newest-first index (limit - amount) is unit number Total() - (limit - amount); it
      // is live because count > limit - amount.
      state.blocking_age = Micros{now - TimeOfUnit(Total() - (limit - amount))};
    }
    return state;
  }

  /// Takes `amount` units at `now` and trims the log to the newest `limit` units.
  void Take(std::int64_t now, std::int64_t limit, std::int64_t amount) {
    if (amount <= 0) return;
    Append(now, amount);
    if (Count() > limit) DropThrough(Total() - limit);
    if (base_ > kRebaseAbove) {
      for (std::size_t i = head_; i < runs_.size(); ++i) runs_[i].cumulative -= base_;
      base_ = 0;
    }
  }

  /// Adds a run of `count` units at `time` (not before the newest run), merging with the
  /// newest run at the same time; for stores that keep the runs in their own form.
  void Append(std::int64_t time, std::int64_t count) {
    if (!Empty() && runs_.back().time == time) {
      runs_.back().cumulative += count;
    } else {
      runs_.push_back(Run{time, Total() + count});
    }
  }

  /// Calls `f(time, count)` for each live run, newest first.
  template <class F>
  void ForEachNewestFirst(F&& f) const {
    for (std::size_t i = runs_.size(); i > head_; --i) {
      const std::int64_t before = i - 1 > head_ ? runs_[i - 2].cumulative : base_;
      f(runs_[i - 1].time, runs_[i - 1].cumulative - std::max(before, base_));
    }
  }

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

  // Cumulative numbering restarts when a log empties; a log that never empties is rebased
  // before its numbers could overflow.
  static constexpr std::int64_t kRebaseAbove = std::int64_t{1} << 61;

  std::int64_t Total() const noexcept { return Empty() ? base_ : runs_.back().cumulative; }

  /// Time of the unit numbered `unit` (1-based cumulative numbering), which must be live.
  std::int64_t TimeOfUnit(std::int64_t unit) const noexcept {
    // The first run whose cumulative count reaches `unit` holds it.
    const auto it = std::lower_bound(
        runs_.begin() + head_, runs_.end(), unit,
        [](const Run& run, std::int64_t u) { return run.cumulative < u; });
    return it->time;
  }

  /// Forgets every unit numbered <= `unit`.
  void DropThrough(std::int64_t unit) {
    base_ = std::max(base_, unit);
    std::size_t i = head_;
    while (i < runs_.size() && runs_[i].cumulative <= base_) ++i;
    head_ = static_cast<std::uint32_t>(i);
    Compact();
  }

  /// Frees the dropped prefix when it is large, and restarts the numbering when empty.
  void Compact() {
    if (Empty()) {
      runs_.clear();
      head_ = 0;
      base_ = 0;
      return;
    }
    // Reclaim the dropped prefix once it is at least half of the storage: O(1) amortized.
    if (head_ == 0 || std::size_t{head_} * 2 < runs_.size()) return;
    runs_.erase(runs_.begin(), runs_.begin() + head_);
    head_ = 0;
    if (runs_.capacity() > 16 && runs_.size() * 4 < runs_.capacity()) runs_.shrink_to_fit();
  }

  // runs_[head_..] are live; units numbered <= base_ are gone.
  std::vector<Run> runs_;
  std::uint32_t head_ = 0;
  std::int64_t base_ = 0;
};

}  // namespace limitsd::strategy

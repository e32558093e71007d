#include "storage/memory/moving_window_log.h"

#include <algorithm>

namespace limitsd::storage::memory {
namespace {

// Cumulative numbering restarts when a log empties; a log that never empties is rebased
// before its numbers could overflow.
constexpr std::int64_t kRebaseAbove = std::int64_t{1} << 61;

}  // namespace

void MovingWindowLog::Expire(std::int64_t now, std::int64_t expiry) {
  const std::int64_t oldest_live = now - expiry;
  std::size_t i = head_;
  while (i < runs_.size() && runs_[i].time < oldest_live) ++i;
  if (i == head_) return;
  base_ = std::max(base_, runs_[i - 1].cumulative);
  head_ = static_cast<std::uint32_t>(i);
  Compact();
}

MovingWindowState MovingWindowLog::State(std::int64_t now, std::int64_t limit,
                                         std::int64_t amount) const noexcept {
  MovingWindowState state;
  state.count = Count();
  if (state.count > 0) state.newest_age = Micros{now - runs_.back().time};
  if (amount > limit) {
    state.blocking_age = Micros{0};
  } else if (state.count + amount > limit) {
    // Newest-first index (limit - amount) is unit number Total() - (limit - amount); it is
    // live because count > limit - amount.
    state.blocking_age = Micros{now - TimeOfUnit(Total() - (limit - amount))};
  }
  return state;
}

void MovingWindowLog::Take(std::int64_t now, std::int64_t limit, std::int64_t amount) {
  if (amount <= 0) return;
  if (!Empty() && runs_.back().time == now) {
    runs_.back().cumulative += amount;
  } else {
    runs_.push_back(Run{now, Total() + amount});
  }
  if (Count() > limit) DropThrough(Total() - limit);
  if (base_ > kRebaseAbove) {
    for (std::size_t i = head_; i < runs_.size(); ++i) runs_[i].cumulative -= base_;
    base_ = 0;
  }
}

std::int64_t MovingWindowLog::TimeOfUnit(std::int64_t unit) const noexcept {
  // The first run whose cumulative count reaches `unit` holds it.
  const auto it = std::lower_bound(runs_.begin() + head_, runs_.end(), unit,
                                   [](const Run& run, std::int64_t u) { return run.cumulative < u; });
  return it->time;
}

void MovingWindowLog::DropThrough(std::int64_t unit) {
  base_ = std::max(base_, unit);
  std::size_t i = head_;
  while (i < runs_.size() && runs_[i].cumulative <= base_) ++i;
  head_ = static_cast<std::uint32_t>(i);
  Compact();
}

void MovingWindowLog::Compact() {
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

}  // namespace limitsd::storage::memory

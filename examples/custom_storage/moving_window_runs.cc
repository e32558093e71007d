#include "moving_window_runs.h"

namespace limitsd::examples {

void MovingWindowRuns::Expire(std::int64_t now, std::int64_t expiry) {
  while (!runs_.empty() && runs_.front().time < now - expiry) {
    total_ -= runs_.front().count;
    runs_.pop_front();
  }
}

storage::MovingWindowState MovingWindowRuns::State(std::int64_t now, std::int64_t limit,
                                                   std::int64_t amount) const noexcept {
  storage::MovingWindowState state;
  state.count = total_;
  if (!runs_.empty()) state.newest_age = storage::Micros{now - runs_.back().time};
  if (amount > limit) {
    state.blocking_age = storage::Micros{0};
  } else if (total_ + amount <= limit) {
    state.blocking_age = storage::Micros{-1};
  } else {
    // The unit at newest-first index `limit - amount`: once it leaves, `amount` fits.
    const std::int64_t index = limit - amount;
    std::int64_t seen = 0;
    for (auto it = runs_.rbegin(); it != runs_.rend(); ++it) {
      seen += it->count;
      if (seen > index) {
        state.blocking_age = storage::Micros{now - it->time};
        break;
      }
    }
  }
  return state;
}

void MovingWindowRuns::Take(std::int64_t now, std::int64_t limit, std::int64_t amount) {
  if (!runs_.empty() && runs_.back().time == now) {
    runs_.back().count += amount;
  } else {
    runs_.push_back(Run{now, amount});
  }
  total_ += amount;
  while (runs_.size() > 1 && total_ - runs_.front().count >= limit) {
    total_ -= runs_.front().count;
    runs_.pop_front();
  }
  if (total_ > limit) {
    runs_.front().count -= total_ - limit;
    total_ = limit;
  }
}

}  // namespace limitsd::examples

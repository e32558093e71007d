#pragma once
// From a window's raw state to what a client is told: remaining, reset_ms, retry_ms
// (DESIGN.md "Line protocol"). Pure arithmetic, exact at the bounds, shared by every
// strategy and every storage.

#include <cstdint>

#include "limits/rate_limit_item.h"
#include "storage/window_state.h"

namespace limitsd::limits {

/// One rate's answer.
struct RateVerdict {
  bool fits = false;            ///< taken, or (peek) the cost would fit now
  std::int64_t remaining = 0;   ///< amount - used, after this request's effect, >= 0
  std::int64_t reset_ms = 0;    ///< until nothing is counted; 0 when nothing is
  std::int64_t retry_ms = 0;    ///< 0 when fits; -1 never (cost > amount); else >= 1
};

/// Units the state counts now: the fixed counter, the moving window's units, or the sliding
/// window's weighted count.
std::int64_t UsedUnits(const storage::WindowState& state, storage::Micros expiry) noexcept;

/// The verdict for a request of `cost` given `state`. `taken`: the state is after a take of
/// `cost` (the request passed); otherwise nothing was taken and `fits` says whether it would.
RateVerdict Evaluate(const RateLimitItem& rate, const storage::WindowState& state,
                     std::int64_t cost, bool taken) noexcept;

/// Microseconds until a sliding window with `state` admits `cost` (0 if it does now).
storage::Micros SlidingRetry(const storage::SlidingWindowState& state, storage::Micros expiry,
                             std::int64_t limit, std::int64_t cost) noexcept;

/// Rounds microseconds up to whole milliseconds.
std::int64_t CeilMillis(storage::Micros us) noexcept;

}  // namespace limitsd::limits

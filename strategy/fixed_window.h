#pragma once
// Fixed window: a counter that starts its window at its first unit and forgets everything
// when the window ends. Stored as (count, expires_at) in store time (microseconds).

#include <algorithm>
#include <cstdint>
#include <limits>

#include "strategy/window_state.h"

namespace limitsd::strategy {

struct FixedCounter {
  std::int64_t count = 0;
  std::int64_t expires_at = 0;  ///< the window's end; a counter at or past it is absent
};

/// a + b, clamped instead of overflowing (windows are bounded, callers may not be).
constexpr std::int64_t AddClamped(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t sum = 0;
  if (!__builtin_add_overflow(a, b, &sum)) return sum;
  return b > 0 ? std::numeric_limits<std::int64_t>::max()
               : std::numeric_limits<std::int64_t>::min();
}

/// Whether `c` still counts at `now`.
constexpr bool FixedLive(const FixedCounter& c, std::int64_t now) noexcept {
  return c.expires_at > now;
}

/// The window at `now`; an absent (nullptr) or ended counter reads as empty.
constexpr FixedWindowState FixedView(const FixedCounter* c, std::int64_t now) noexcept {
  if (c == nullptr || !FixedLive(*c, now)) return {};
  return {c->count, Micros{c->expires_at - now}};
}

/// Adds `amount` at `now`; an ended counter starts a new window of `expiry` (at least 1 us)
/// first, and later additions never extend it. Returns the new count.
constexpr std::int64_t FixedAdd(FixedCounter& c, std::int64_t now, std::int64_t expiry,
                                std::int64_t amount) noexcept {
  if (!FixedLive(c, now)) c = {0, AddClamped(now, std::max<std::int64_t>(expiry, 1))};
  c.count = AddClamped(c.count, amount);
  return c.count;
}

/// Takes `amount` back, never below 0; nothing when the counter ended. Whether it changed.
constexpr bool FixedSubtract(FixedCounter& c, std::int64_t now, std::int64_t amount) noexcept {
  if (!FixedLive(c, now) || c.count == 0) return false;
  c.count = std::max<std::int64_t>(0, AddClamped(c.count, -amount));
  return true;
}

}  // namespace limitsd::strategy

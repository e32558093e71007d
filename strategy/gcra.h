#pragma once
// GCRA, the generic cell rate algorithm: a token bucket kept as one time, the theoretical
// arrival time (TAT). A rate "N per P" has the emission interval T = P / N (whole
// microseconds, rounded down) and a burst B (N unless the limit sets `burst`), so the
// bucket holds B units and one unit comes back every T:
//   - a request of `cost` fits when max(TAT - now, 0) + cost * T <= B * T;
//   - taking it sets TAT = max(TAT, now) + cost * T (the value lives until then);
//   - remaining = floor((B * T - (TAT - now)) / T); reset = TAT - now (until full);
//   - retry (denied) = TAT - now + cost * T - B * T; never when cost > B.
// This is redis-cell's algorithm (its delay variation tolerance is B * T) in microseconds.

#include <algorithm>
#include <cstdint>

#include "strategy/window_state.h"

namespace limitsd::strategy {

/// The bucket at `now`, from the stored TAT (0 when absent).
constexpr GcraState GcraView(std::int64_t tat, std::int64_t now) noexcept {
  return GcraState{Micros{std::max<std::int64_t>(0, tat - now)}};
}

/// Whether `cost` units fit a bucket of `burst` units refilled every `interval`.
constexpr bool GcraFits(const GcraState& s, std::int64_t burst, Micros interval,
                        std::int64_t cost) noexcept {
  if (cost < 0 || cost > burst) return false;
  return s.ttl.count() + static_cast<__int128>(cost) * interval.count() <=
         static_cast<__int128>(burst) * interval.count();
}

/// The TAT after taking `cost` units at `now` (the caller checked GcraFits).
constexpr std::int64_t GcraTake(std::int64_t tat, std::int64_t now, Micros interval,
                                std::int64_t cost) noexcept {
  return std::max(tat, now) + cost * interval.count();
}

/// Units a request could still take now.
constexpr std::int64_t GcraRemaining(const GcraState& s, std::int64_t burst,
                                     Micros interval) noexcept {
  const __int128 room = static_cast<__int128>(burst) * interval.count() - s.ttl.count();
  return room <= 0 ? 0 : static_cast<std::int64_t>(room / interval.count());
}

/// Time until `cost` (<= burst) fits, 0 when it does now.
constexpr Micros GcraRetry(const GcraState& s, std::int64_t burst, Micros interval,
                           std::int64_t cost) noexcept {
  const __int128 wait = s.ttl.count() + static_cast<__int128>(cost) * interval.count() -
                        static_cast<__int128>(burst) * interval.count();
  return Micros{wait <= 0 ? 0 : static_cast<std::int64_t>(wait)};
}

}  // namespace limitsd::strategy

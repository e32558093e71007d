#pragma once
// From a rate's window state to what a client is told (docs/protocol.md): whether a cost
// fits, and remaining, reset_ms and retry_ms. Pure, exact integer arithmetic shared by every
// store and every caller; each strategy's own part is in its header beside this one.

#include <algorithm>
#include <cstdint>
#include <variant>

#include "strategy/gcra.h"
#include "strategy/window_state.h"

namespace limitsd::strategy {

/// One rate as the arithmetic needs it.
struct RateParams {
  std::int64_t limit = 0;  ///< the amount; for gcra the burst (the bucket's size)
  Micros window{0};        ///< the window; for gcra the period of the rate
  Micros interval{0};      ///< gcra only: the emission interval, at least 1 us
};

/// One rate's answer.
struct RateVerdict {
  bool fits = false;            ///< taken, or (peek) the cost would fit now
  std::int64_t remaining = 0;   ///< units left after this request's effect, >= 0
  std::int64_t reset_ms = 0;    ///< until nothing is counted; 0 when nothing is
  std::int64_t retry_ms = 0;    ///< 0 when fits; -1 never (cost > limit); else >= 1
};

/// Rounds microseconds up to whole milliseconds (0 for nothing or less).
constexpr std::int64_t CeilMillis(Micros us) noexcept {
  if (us.count() <= 0) return 0;
  return (us.count() + 999) / 1000;
}

/// Units the state counts now: the fixed counter, the moving window's units, or the sliding
/// window's weighted count; for gcra the units the bucket is short of full.
constexpr std::int64_t UsedUnits(const WindowState& state, const RateParams& rate) noexcept {
  if (const auto* s = std::get_if<SlidingWindowState>(&state)) {
    return SlidingWeightedCount(*s, rate.window);
  }
  if (const auto* m = std::get_if<MovingWindowState>(&state)) return m->count;
  if (const auto* g = std::get_if<GcraState>(&state)) {
    return rate.limit - GcraRemaining(*g, rate.limit, rate.interval);
  }
  return std::get<FixedWindowState>(state).count;
}

/// Whether `cost` more units fit `rate` in `state` (never when cost < 0 or cost > limit).
constexpr bool Fits(const WindowState& state, const RateParams& rate, std::int64_t cost) noexcept {
  if (cost < 0 || cost > rate.limit) return false;
  if (const auto* g = std::get_if<GcraState>(&state)) {
    return GcraFits(*g, rate.limit, rate.interval, cost);
  }
  return UsedUnits(state, rate) + cost <= rate.limit;
}

namespace detail {

// floor((budget * E - 1) / previous): the largest time left in the bucket at which
// floor(previous * left / E) < budget.
constexpr std::int64_t MaxLeftBelow(std::int64_t budget, std::int64_t previous,
                                    Micros expiry) noexcept {
  const __int128 numerator = static_cast<__int128>(budget) * expiry.count() - 1;
  return static_cast<std::int64_t>(numerator / previous);
}

constexpr Micros ResetOf(const FixedWindowState& s, const RateParams&) noexcept {
  return s.count > 0 ? s.ttl : Micros{0};
}

constexpr Micros ResetOf(const MovingWindowState& s, const RateParams& rate) noexcept {
  return s.count > 0 ? std::max(Micros{0}, rate.window - s.newest_age) : Micros{0};
}

constexpr Micros ResetOf(const SlidingWindowState& s, const RateParams& rate) noexcept {
  const Micros left = rate.window - s.elapsed;
  if (s.current > 0) return left + rate.window;
  if (s.previous > 0) return left;
  return Micros{0};
}

constexpr Micros ResetOf(const GcraState& s, const RateParams&) noexcept { return s.ttl; }

}  // namespace detail

/// Microseconds until a sliding window with `state` admits `cost` (0 if it does now).
constexpr Micros SlidingRetry(const SlidingWindowState& s, Micros expiry, std::int64_t limit,
                              std::int64_t cost) noexcept {
  const Micros left = expiry - s.elapsed;
  // Within the current bucket the previous bucket's weight decays; the current count stays.
  const std::int64_t budget = limit - cost - s.current + 1;  // weighted previous must be < this
  if (budget > 0) {
    if (s.previous == 0) return Micros{0};
    const std::int64_t wait = left.count() - detail::MaxLeftBelow(budget, s.previous, expiry);
    if (wait < left.count()) return Micros{std::max<std::int64_t>(0, wait)};
  }
  // From the next bucket on, today's current count is the decaying previous one.
  const std::int64_t next_budget = limit - cost + 1;
  if (s.current == 0) return left;
  const std::int64_t wait = expiry.count() - detail::MaxLeftBelow(next_budget, s.current, expiry);
  return left + Micros{std::clamp<std::int64_t>(wait, 0, expiry.count())};
}

namespace detail {

// Time until `cost` fits, given that it does not fit now (and cost <= limit).
constexpr Micros RetryOf(const FixedWindowState& s, const RateParams&, std::int64_t) noexcept {
  return s.ttl;
}

// A unit taken at t counts while t >= now - E, so it stops counting 1 us after t + E.
constexpr Micros RetryOf(const MovingWindowState& s, const RateParams& rate,
                         std::int64_t) noexcept {
  return s.blocking_age < Micros{0} ? Micros{0} : rate.window - s.blocking_age + Micros{1};
}

constexpr Micros RetryOf(const SlidingWindowState& s, const RateParams& rate,
                         std::int64_t cost) noexcept {
  return SlidingRetry(s, rate.window, rate.limit, cost);
}

constexpr Micros RetryOf(const GcraState& s, const RateParams& rate, std::int64_t cost) noexcept {
  return GcraRetry(s, rate.limit, rate.interval, cost);
}

}  // namespace detail

/// The verdict for a request of `cost` given `state`. `taken`: the state is after a take of
/// `cost` (the request passed); otherwise nothing was taken and `fits` says whether it would.
constexpr RateVerdict Evaluate(const RateParams& rate, const WindowState& state,
                               std::int64_t cost, bool taken) noexcept {
  RateVerdict v;
  v.remaining = std::max<std::int64_t>(0, rate.limit - UsedUnits(state, rate));
  v.reset_ms =
      CeilMillis(std::visit([&](const auto& s) { return detail::ResetOf(s, rate); }, state));
  if (cost > rate.limit) {
    v.retry_ms = -1;
    return v;
  }
  if (const auto* m = std::get_if<MovingWindowState>(&state)) {
    v.fits = taken || (m->blocking_age < Micros{0} && m->count + cost <= rate.limit);
  } else {
    v.fits = taken || Fits(state, rate, cost);
  }
  if (!v.fits) {
    const Micros retry =
        std::visit([&](const auto& s) { return detail::RetryOf(s, rate, cost); }, state);
    v.retry_ms = std::max<std::int64_t>(1, CeilMillis(retry));
  }
  return v;
}

}  // namespace limitsd::strategy

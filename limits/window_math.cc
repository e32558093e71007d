#include "limits/window_math.h"

#include <algorithm>
#include <variant>

namespace limitsd::limits {
namespace {

using storage::FixedWindowState;
using storage::Micros;
using storage::MovingWindowState;
using storage::SlidingWindowState;

// floor((budget * E - 1) / previous): the largest time left in the bucket at which
// floor(previous * left / E) < budget.
std::int64_t MaxLeftBelow(std::int64_t budget, std::int64_t previous, Micros expiry) noexcept {
  const __int128 numerator = static_cast<__int128>(budget) * expiry.count() - 1;
  return static_cast<std::int64_t>(numerator / previous);
}

Micros ResetOf(const FixedWindowState& s, Micros) noexcept { return s.count > 0 ? s.ttl : Micros{0}; }

Micros ResetOf(const MovingWindowState& s, Micros expiry) noexcept {
  return s.count > 0 ? std::max(Micros{0}, expiry - s.newest_age) : Micros{0};
}

Micros ResetOf(const SlidingWindowState& s, Micros expiry) noexcept {
  const Micros left = expiry - s.elapsed;
  if (s.current > 0) return left + expiry;
  if (s.previous > 0) return left;
  return Micros{0};
}

// Time until `cost` fits, given that it does not fit now (and cost <= limit).
Micros RetryOf(const FixedWindowState& s, Micros, std::int64_t, std::int64_t) noexcept {
  return s.ttl;
}

// A unit taken at t counts while t >= now - E, so it stops counting 1 us after t + E.
Micros RetryOf(const MovingWindowState& s, Micros expiry, std::int64_t, std::int64_t) noexcept {
  return s.blocking_age < Micros{0} ? Micros{0} : expiry - s.blocking_age + Micros{1};
}

Micros RetryOf(const SlidingWindowState& s, Micros expiry, std::int64_t limit,
               std::int64_t cost) noexcept {
  return SlidingRetry(s, expiry, limit, cost);
}

bool FitsNow(const storage::WindowState& state, Micros expiry, std::int64_t limit,
             std::int64_t cost) noexcept {
  if (const auto* moving = std::get_if<MovingWindowState>(&state)) {
    return moving->blocking_age < Micros{0} && moving->count + cost <= limit;
  }
  return UsedUnits(state, expiry) + cost <= limit;
}

}  // namespace

std::int64_t CeilMillis(Micros us) noexcept {
  if (us.count() <= 0) return 0;
  return (us.count() + 999) / 1000;
}

std::int64_t UsedUnits(const storage::WindowState& state, Micros expiry) noexcept {
  if (const auto* s = std::get_if<SlidingWindowState>(&state)) {
    return storage::SlidingWeightedCount(*s, expiry);
  }
  if (const auto* m = std::get_if<MovingWindowState>(&state)) return m->count;
  return std::get<FixedWindowState>(state).count;
}

Micros SlidingRetry(const SlidingWindowState& s, Micros expiry, std::int64_t limit,
                    std::int64_t cost) noexcept {
  const Micros left = expiry - s.elapsed;
  // Within the current bucket the previous bucket's weight decays; the current count stays.
  const std::int64_t budget = limit - cost - s.current + 1;  // weighted previous must be < this
  if (budget > 0) {
    if (s.previous == 0) return Micros{0};
    const std::int64_t wait = left.count() - MaxLeftBelow(budget, s.previous, expiry);
    if (wait < left.count()) return Micros{std::max<std::int64_t>(0, wait)};
  }
  // From the next bucket on, today's current count is the decaying previous one.
  const std::int64_t next_budget = limit - cost + 1;
  if (s.current == 0) return left;
  const std::int64_t wait = expiry.count() - MaxLeftBelow(next_budget, s.current, expiry);
  return left + Micros{std::clamp<std::int64_t>(wait, 0, expiry.count())};
}

RateVerdict Evaluate(const RateLimitItem& rate, const storage::WindowState& state,
                     std::int64_t cost, bool taken) noexcept {
  const Micros expiry = rate.Expiry();
  const std::int64_t limit = rate.amount();
  RateVerdict v;
  v.remaining = std::max<std::int64_t>(0, limit - UsedUnits(state, expiry));
  v.reset_ms = CeilMillis(std::visit([&](const auto& s) { return ResetOf(s, expiry); }, state));
  if (cost > limit) {
    v.retry_ms = -1;
    return v;
  }
  v.fits = taken || FitsNow(state, expiry, limit, cost);
  if (!v.fits) {
    const Micros retry =
        std::visit([&](const auto& s) { return RetryOf(s, expiry, limit, cost); }, state);
    v.retry_ms = std::max<std::int64_t>(1, CeilMillis(retry));
  }
  return v;
}

}  // namespace limitsd::limits

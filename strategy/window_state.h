#pragma once
// The state of one rate's window as a store sees it at its own "now": the facts each
// strategy's definition turns into remaining / reset / retry (strategy/verdict.h). Times are
// relative to that "now", so no clock is shared between the store and its caller.

#include <chrono>
#include <cstdint>
#include <variant>

namespace limitsd::strategy {

/// Durations and times are whole microseconds.
using Micros = std::chrono::microseconds;

/// A fixed window's counter: `count` units, the window ends in `ttl` (0 when absent).
struct FixedWindowState {
  std::int64_t count = 0;
  Micros ttl{0};
  friend bool operator==(const FixedWindowState&, const FixedWindowState&) = default;
};

/// A moving window of length E: `count` units were taken within the last E.
struct MovingWindowState {
  std::int64_t count = 0;
  /// now - time of the newest unit; meaningless when count == 0.
  Micros newest_age{0};
  /// For the cost asked: -1 when `count + cost <= limit` (it fits now); otherwise
  /// now - time of the unit at newest-first index `limit - cost`, the one whose expiry
  /// lets the cost fit.
  Micros blocking_age{-1};
  friend bool operator==(const MovingWindowState&, const MovingWindowState&) = default;
};

/// A sliding window counter over buckets aligned to Unix time (bucket = floor(now / E)).
struct SlidingWindowState {
  std::int64_t previous = 0;  ///< units in the bucket before the current one
  std::int64_t current = 0;   ///< units in the current bucket
  Micros elapsed{0};          ///< now - start of the current bucket, in [0, E)
  friend bool operator==(const SlidingWindowState&, const SlidingWindowState&) = default;
};

/// GCRA: the theoretical arrival time (TAT) relative to now, never negative: 0 when the
/// bucket is full (absent, or a TAT in the past).
struct GcraState {
  Micros ttl{0};
  friend bool operator==(const GcraState&, const GcraState&) = default;
};

using WindowState =
    std::variant<FixedWindowState, MovingWindowState, SlidingWindowState, GcraState>;

/// floor(a / b) for b > 0, rounding towards minus infinity.
constexpr std::int64_t FloorDiv(std::int64_t a, std::int64_t b) noexcept {
  const std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/// floor(previous * (E - elapsed) / E) + current, exact for counts up to 2^62 and windows
/// up to 10 years.
constexpr std::int64_t SlidingWeightedCount(const SlidingWindowState& s, Micros expiry) noexcept {
  const __int128 left = expiry.count() - s.elapsed.count();
  const __int128 weighted = static_cast<__int128>(s.previous) * left / expiry.count();
  return static_cast<std::int64_t>(weighted) + s.current;
}

}  // namespace limitsd::strategy

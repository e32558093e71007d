#pragma once
// The raw state of one rate's window, as the store sees it at its own "now". Strategies turn
// these facts into remaining / reset / retry; times are relative, so no clock is shared.

#include <cstdint>
#include <string_view>
#include <variant>

#include "storage/result.h"

namespace limitsd::storage {

enum class StrategyKind : std::uint8_t {
  kFixedWindow,
  kMovingWindow,
  kSlidingWindowCounter,
};

/// "fixed-window", "moving-window", "sliding-window-counter".
std::string_view StrategyName(StrategyKind kind) noexcept;

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

using WindowState = std::variant<FixedWindowState, MovingWindowState, SlidingWindowState>;

/// floor(previous * (E - elapsed) / E) + current, exact for counts up to 2^62 and windows
/// up to 10 years.
std::int64_t SlidingWeightedCount(const SlidingWindowState& s, Micros expiry) noexcept;

}  // namespace limitsd::storage

#pragma once
// Sliding window counter: two buckets aligned to Unix time (bucket = floor(now / E)); the
// previous bucket counts with the weight of the part of it still inside the window, so the
// count is floor(previous * (E - elapsed) / E) + current (strategy/window_state.h).

#include <algorithm>
#include <cstdint>

#include "strategy/fixed_window.h"
#include "strategy/window_state.h"

namespace limitsd::strategy {

struct SlidingBuckets {
  std::int64_t bucket = 0;    ///< floor(time / E) of `current`
  std::int64_t previous = 0;  ///< units in bucket - 1
  std::int64_t current = 0;   ///< units in `bucket`
};

/// The window at `now` over buckets of `window` us; `b` is nullptr when absent. A store's
/// time never goes backwards for its values: a `now` before the stored bucket reads as that
/// bucket's start.
constexpr SlidingWindowState SlidingView(const SlidingBuckets* b, std::int64_t now,
                                         std::int64_t window) noexcept {
  if (b != nullptr) now = std::max(now, b->bucket * window);
  const std::int64_t bucket = FloorDiv(now, window);
  SlidingWindowState s{0, 0, Micros{now - bucket * window}};
  if (b == nullptr) return s;
  if (b->bucket == bucket) {
    s.previous = b->previous;
    s.current = b->current;
  } else if (b->bucket == bucket - 1) {
    s.previous = b->current;
  }
  return s;
}

/// The buckets of a window that holds nothing yet at `now`.
constexpr SlidingBuckets SlidingFresh(std::int64_t now, std::int64_t window) noexcept {
  return {FloorDiv(now, window), 0, 0};
}

/// Adds `amount` to the bucket of `now`, shifting the buckets first (the caller checked
/// that it fits).
constexpr void SlidingTake(SlidingBuckets& b, std::int64_t now, std::int64_t window,
                           std::int64_t amount) noexcept {
  const SlidingWindowState s = SlidingView(&b, now, window);
  b = {std::max(b.bucket, FloorDiv(now, window)), s.previous, AddClamped(s.current, amount)};
}

/// The store time from which `b` counts nothing: the start of the bucket after the next one.
constexpr std::int64_t SlidingLiveUntil(const SlidingBuckets& b, std::int64_t window) noexcept {
  return AddClamped(b.bucket * window, AddClamped(window, window));
}

}  // namespace limitsd::strategy

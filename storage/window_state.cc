#include "storage/window_state.h"

namespace limitsd::storage {

std::string_view StrategyName(StrategyKind kind) noexcept {
  switch (kind) {
    case StrategyKind::kFixedWindow: return "fixed-window";
    case StrategyKind::kMovingWindow: return "moving-window";
    case StrategyKind::kSlidingWindowCounter: return "sliding-window-counter";
  }
  return "unknown";
}

std::int64_t SlidingWeightedCount(const SlidingWindowState& s, Micros expiry) noexcept {
  const __int128 left = expiry.count() - s.elapsed.count();
  const __int128 weighted = static_cast<__int128>(s.previous) * left / expiry.count();
  return static_cast<std::int64_t>(weighted) + s.current;
}

}  // namespace limitsd::storage

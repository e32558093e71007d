#include "limits/window_strategy.h"

#include "limits/fixed_window_strategy.h"
#include "limits/gcra_strategy.h"
#include "limits/moving_window_strategy.h"
#include "limits/sliding_window_counter_strategy.h"

namespace limitsd::limits {

const WindowStrategy& StrategyFor(storage::StrategyKind kind) noexcept {
  static const FixedWindowStrategy fixed;
  static const MovingWindowStrategy moving;
  static const SlidingWindowCounterStrategy sliding;
  static const GcraStrategy gcra;
  switch (kind) {
    case storage::StrategyKind::kMovingWindow: return moving;
    case storage::StrategyKind::kSlidingWindowCounter: return sliding;
    case storage::StrategyKind::kGcra: return gcra;
    case storage::StrategyKind::kFixedWindow: break;
  }
  return fixed;
}

}  // namespace limitsd::limits

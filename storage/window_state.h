#pragma once
// The raw state of one rate's window, as the store sees it at its own "now". The types and
// the arithmetic are the strategies' own (strategy/window_state.h, strategy/verdict.h);
// storages and the SDK name them in this namespace.

#include "storage/result.h"
#include "strategy/strategy_kind.h"
#include "strategy/window_state.h"

namespace limitsd::storage {

using strategy::FixedWindowState;
using strategy::GcraState;
using strategy::MovingWindowState;
using strategy::SlidingWeightedCount;
using strategy::SlidingWindowState;
using strategy::StrategyKind;
using strategy::StrategyName;
using strategy::WindowState;

}  // namespace limitsd::storage

#pragma once
// The clock strategies and stores share. It lives in storage/ because each store owns its
// clock (docs/strategies.md: one clock per store); limits/ re-exports it under its own name.

#include "storage/clock.h"

namespace limitsd::limits {

using storage::Clock;
using storage::ManualClock;
using storage::Micros;
using storage::SystemClock;

}  // namespace limitsd::limits

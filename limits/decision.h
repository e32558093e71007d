#pragma once

#include <cstddef>
#include <cstdint>

namespace limitsd::limits {

/// The answer to HIT / TEST / STATS: whether the request passes, and the binding rate's
/// numbers (docs/protocol.md: among the rates that deny, the one with the largest retry_ms;
/// if none denies, the one with the least remaining, on a tie the longer window).
struct Decision {
  bool allowed = false;
  std::size_t binding = 0;     ///< index of the binding rate in the limit
  std::int64_t limit = 0;      ///< the binding rate's amount
  std::int64_t remaining = 0;
  std::int64_t reset_ms = 0;
  std::int64_t retry_ms = 0;   ///< 0 allowed; -1 never; else >= 1
};

}  // namespace limitsd::limits

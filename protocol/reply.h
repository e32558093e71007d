#pragma once
// What the server answers, independent of how a decision was made. Pure data.

#include <cstdint>
#include <string_view>

#include "protocol/request.h"

namespace limitsd::protocol {

/// `OK|DENY <limit> <remaining> <reset_ms> <retry_ms>`, or over RESP
/// `*5 :allowed :limit :remaining :reset_ms :retry_ms`.
struct DecisionReply {
  bool allowed = false;
  std::int64_t limit = 0;
  std::int64_t remaining = 0;
  std::int64_t reset_ms = 0;
  std::int64_t retry_ms = 0;
  /// Allowed only because the limit is in shadow mode (it denied): the line protocol adds a
  /// sixth token, `shadow`; RESP's five integers stay as they are.
  bool shadowed = false;
};

/// CL.THROTTLE's reply, redis-cell's five integers: `limited` (0 or 1), `limit`
/// (max_burst + 1), `remaining`, `retry_after` and `reset_after` in seconds (retry_after -1
/// when allowed or when the quantity can never fit).
struct ThrottleReply {
  bool limited = false;
  std::int64_t limit = 0;
  std::int64_t remaining = 0;
  std::int64_t retry_after = -1;
  std::int64_t reset_after = 0;
};

/// Whole seconds the way redis-cell rounds a duration: up only when its millisecond part is
/// above 0, so exactly 2 s is 2 and 2.0004 s is 2 as well. `ms` < 0 stays -1.
constexpr std::int64_t ThrottleSeconds(std::int64_t ms) noexcept {
  if (ms < 0) return -1;
  return ms / 1000 + (ms % 1000 > 0 ? 1 : 0);
}

/// The reply for a gcra decision of a bucket of `limit` units.
constexpr ThrottleReply ThrottleReplyOf(const DecisionReply& d) noexcept {
  return {!d.allowed, d.limit, d.remaining, d.allowed ? -1 : ThrottleSeconds(d.retry_ms),
          ThrottleSeconds(d.reset_ms)};
}

}  // namespace limitsd::protocol

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

}  // namespace limitsd::protocol

#pragma once
// Rate strings as limits parses them: "10/second", "5 per 10 minutes",
// "100/minute;1000/hour" (separators ; , |), case-insensitive, plural units.
// limitsd bounds them: amount 1..1e9, window at most 10 years.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "limits/rate_limit_item.h"

namespace limitsd::limits {

struct RateParseResult {
  std::vector<RateLimitItem> items;
  std::string error;  ///< empty on success; quotes the bad text
  bool ok() const noexcept { return error.empty(); }
};

/// limits' parse_many(): every rate of `text`, or an error.
RateParseResult ParseRates(std::string_view text);

/// A window written as a rate's: "day", "1 day", "12 hours", "30 minutes" (at most 10
/// years); its length in seconds, or nullopt when it is not one.
std::optional<std::int64_t> ParseWindowSeconds(std::string_view text);

}  // namespace limitsd::limits

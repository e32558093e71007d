#pragma once
// The time units of rate strings: second, minute, hour, day, month (30 days), year (360 days),
// as limits defines them.

#include <cstdint>
#include <span>
#include <string_view>

namespace limitsd::limits {

struct Granularity {
  std::string_view name;
  std::int64_t seconds;
};

/// Every granularity, shortest first.
std::span<const Granularity> Granularities() noexcept;

/// The granularity whose name, or name + "s", equals `word` ignoring case; nullptr if none.
const Granularity* GranularityFromString(std::string_view word) noexcept;

}  // namespace limitsd::limits

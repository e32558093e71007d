#pragma once
// The strategies limitsd knows, by kind and by the name a configuration or a request uses.
// Adding a strategy starts here: its kind, its name, then its definition beside this file.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace limitsd::strategy {

enum class StrategyKind : std::uint8_t {
  kFixedWindow,
  kMovingWindow,
  kSlidingWindowCounter,
  kGcra,  ///< the generic cell rate algorithm (a token bucket)
};

inline constexpr std::array<StrategyKind, 4> kAllStrategies = {
    StrategyKind::kFixedWindow, StrategyKind::kMovingWindow,
    StrategyKind::kSlidingWindowCounter, StrategyKind::kGcra};

/// "fixed-window", "moving-window", "sliding-window-counter", "gcra".
constexpr std::string_view StrategyName(StrategyKind kind) noexcept {
  switch (kind) {
    case StrategyKind::kFixedWindow: return "fixed-window";
    case StrategyKind::kMovingWindow: return "moving-window";
    case StrategyKind::kSlidingWindowCounter: return "sliding-window-counter";
    case StrategyKind::kGcra: return "gcra";
  }
  return "unknown";
}

/// The kind named `name` (exact, lower case), if any.
constexpr std::optional<StrategyKind> StrategyFromName(std::string_view name) noexcept {
  for (StrategyKind kind : kAllStrategies) {
    if (StrategyName(kind) == name) return kind;
  }
  return std::nullopt;
}

/// "fixed-window, moving-window, sliding-window-counter, gcra", for error messages.
inline std::string StrategyNames() {
  std::string names;
  for (StrategyKind kind : kAllStrategies) {
    if (!names.empty()) names += ", ";
    names += StrategyName(kind);
  }
  return names;
}

}  // namespace limitsd::strategy

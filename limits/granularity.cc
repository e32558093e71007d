#include "limits/granularity.h"

#include <array>

namespace limitsd::limits {
namespace {

constexpr std::array kGranularities = {
    Granularity{"second", 1},           Granularity{"minute", 60},
    Granularity{"hour", 3600},          Granularity{"day", 86400},
    Granularity{"month", 30 * 86400},   Granularity{"year", 12 * 30 * 86400},
};

char Lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != b[i]) return false;
  }
  return true;
}

}  // namespace

std::span<const Granularity> Granularities() noexcept { return kGranularities; }

const Granularity* GranularityFromString(std::string_view word) noexcept {
  for (const Granularity& g : kGranularities) {
    if (EqualsIgnoreCase(word, g.name)) return &g;
    if (word.size() == g.name.size() + 1 && Lower(word.back()) == 's' &&
        EqualsIgnoreCase(word.substr(0, g.name.size()), g.name)) {
      return &g;
    }
  }
  return nullptr;
}

}  // namespace limitsd::limits

#pragma once
// "Did you mean ...?" for misspelt keys and values.

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace limitsd::config {

/// Edit distance (insertions, deletions, substitutions, adjacent transpositions),
/// ignoring ASCII case.
std::size_t EditDistance(std::string_view a, std::string_view b);

/// The candidate closest to `word`, if it is close enough to be a likely typo: at most
/// 1 edit for words up to 4 characters, 2 up to 8, 3 beyond, or one beginning the other
/// (at least 3 characters in common). Ties go to the first.
std::optional<std::string> ClosestMatch(std::string_view word,
                                        std::span<const std::string_view> candidates);

/// The candidates as "a, b, c".
std::string JoinNames(std::span<const std::string_view> names);

}  // namespace limitsd::config

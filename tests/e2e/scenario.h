#pragma once
// Scenarios shared by the end-to-end tests of every backend.

#include <cstdint>
#include <string>
#include <vector>

namespace limitsd::e2e {

/// Plays a fixed scenario over all three strategies (costs, TEST, STATS, RESET, several
/// rates) and returns each answer without its times: verb, limit, remaining, and whether
/// retry_ms is 0, positive ("+") or -1. Equal on every backend.
std::vector<std::string> Scenario(std::uint16_t port);

/// 50 connections split over two daemons send 300 hits at one key of `limit`; how many
/// passed.
int CountAllowedOverTwo(std::uint16_t a, std::uint16_t b, const std::string& limit);

}  // namespace limitsd::e2e

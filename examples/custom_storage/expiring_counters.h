#pragma once
// Fixed-window counters, each with its own expiry time: the table that both example
// backends keep in process. Not thread-safe: the owning storage holds its lock around
// every call. Times are the store's microseconds since the Unix epoch.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "strategy/fixed_window.h"

namespace limitsd::examples {

class ExpiringCounters {
 public:
  /// Adds `amount` and returns the new count; an absent or expired counter starts at 0
  /// and lives until now + expiry (later increments do not extend it).
  std::int64_t Incr(std::string_view key, std::int64_t now, std::int64_t expiry,
                    std::int64_t amount);
  /// Takes `amount` back, never below 0; no-op when absent or expired.
  void Decr(std::string_view key, std::int64_t now, std::int64_t amount);
  /// The live count, 0 when absent or expired.
  std::int64_t Get(std::string_view key, std::int64_t now) const;
  /// Microseconds until the counter expires, 0 when absent or expired.
  std::int64_t TimeToLive(std::string_view key, std::int64_t now) const;
  /// Deletes one counter; returns whether it was there.
  bool Erase(std::string_view key);
  /// Deletes every counter; returns how many live ones there were.
  std::int64_t EraseAll(std::int64_t now);
  /// Drops the expired counters (they already read as absent).
  void EraseExpired(std::int64_t now);

 private:
  using Counter = strategy::FixedCounter;  ///< live while now < expires_at
  const Counter* Live(std::string_view key, std::int64_t now) const;

  std::map<std::string, Counter, std::less<>> counters_;
};

}  // namespace limitsd::examples

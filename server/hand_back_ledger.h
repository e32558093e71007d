#pragma once
// What storage.on_error: local admitted while the storage failed, per limit and key, kept so
// that it can be handed back to the storage once it answers again: a daemon that admitted a
// limit's worth locally must not admit it a second time from the shared windows. One per
// I/O thread (not thread-safe); bounded in entries.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "limits/limit.h"

namespace limitsd::server {

class HandBackLedger {
 public:
  using Clock = std::chrono::steady_clock;

  /// Units admitted locally for one key of one limit.
  struct Entry {
    std::shared_ptr<const limits::Limit> limit;
    std::string key;
    std::int64_t cost = 0;
    Clock::time_point first{};  ///< when the oldest of these units was admitted
  };

  /// At most this many (limit, key) pairs are kept; admissions past it are not recorded.
  static constexpr std::size_t kMaxEntries = 65536;

  /// Records `cost` units admitted for `key` under `limit` at `now`. False when the ledger
  /// is full and the units were not recorded.
  bool Record(const std::shared_ptr<const limits::Limit>& limit, std::string_view key,
              std::int64_t cost, Clock::time_point now);

  /// Removes and returns an entry to hand back, or nullopt when none is left. Entries whose
  /// longest window has passed since their first admission no longer weigh on any window:
  /// they are dropped, and their units added to `expired`.
  std::optional<Entry> Pop(Clock::time_point now, std::int64_t& expired);

  /// Puts back an entry that could not be handed back (the storage failed again).
  void Restore(Entry entry);

  void Clear() noexcept { entries_.clear(); }
  bool empty() const noexcept { return entries_.empty(); }
  std::size_t size() const noexcept { return entries_.size(); }

 private:
  /// The limit's address and the key: the entry holds the limit, so the address is not
  /// reused while it is a key here.
  static std::string IdOf(const limits::Limit* limit, std::string_view key);

  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace limitsd::server

#pragma once
// One I/O thread's memory of recent fixed-window denials, so that a hot denied key stops
// costing a Redis round trip (and Redis a script run) on every hit.
//
// Why an answer may be remembered: a denied HIT takes nothing, and a fixed window's count
// never goes down inside its window except by a DEL/DECRBY from outside (Clear, Reset,
// Decr), which DenyGenerations tracks. So if some rate of a request could not fit `cost`,
// a later request for the same rates with a cost >= `cost` cannot fit either until that
// window ends. Only requests whose rates are all fixed windows are remembered.
//
// A remembered answer is the one Redis gave, aged by the local steady clock:
//   * it is good until `sent + the smallest TTL among the counted rates`, where `sent` is
//     when the request left: the script ran after that, so no window ends earlier than
//     this (a denial is never served past the real end of its window);
//   * each TTL reported later is `ttl - (now - received)`: the script ran before the reply
//     arrived, so this is never shorter than what Redis would answer (nor is retry_ms).
// Counts are those last seen: a rate that was not full may have grown since.
//
// Bounded: at `capacity` entries, expired ones are dropped, then arbitrary ones down to
// three quarters. Single-threaded (one per executor); never blocks.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include <boost/container/small_vector.hpp>

#include "storage/capabilities.h"
#include "storage/redis/deny_generations.h"
#include "storage/redis/redis_protocol.h"

namespace limitsd::storage::redis {

class DenyCache {
 public:
  static constexpr std::size_t kDefaultCapacity = 4096;

  explicit DenyCache(std::size_t capacity) : capacity_(capacity) {}

  /// Whether requests over `rates` may be remembered at all: every rate is a fixed window.
  static bool Cacheable(std::span<const RateQuery> rates) noexcept;

  /// The remembered denial of the same rates at a cost <= `cost`, aged to `now`, if it is
  /// still good under `generations`; a stale entry is dropped.
  std::optional<TakeOutcome> Find(std::span<const RateQuery> rates, std::int64_t cost,
                                  const DenyGenerations& generations, Deadline now);

  /// Remembers `outcome` (Redis' answer to `rates` at `cost`, stamped `stamp` before it was
  /// sent) if it is a denial that stays true: some rate cannot fit `cost`, and every rate
  /// with a count has a TTL. Anything else is ignored.
  void Remember(std::span<const RateQuery> rates, std::int64_t cost, const TakeOutcome& outcome,
                std::uint64_t stamp, Deadline sent, Deadline received);

  std::size_t size() const noexcept { return entries_.size(); }
  /// Requests answered from memory so far.
  std::uint64_t hits() const noexcept { return hits_; }

 private:
  struct Rate {
    std::string key;
    std::int64_t limit = 0;
    Micros expiry{0};
    FixedWindowState state;
  };
  struct Entry {
    boost::container::small_vector<Rate, 2> rates;
    std::int64_t cost = 0;
    std::uint64_t stamp = 0;
    Deadline received;
    Deadline valid_until;
  };
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const noexcept {
      return std::hash<std::string_view>{}(key);
    }
  };

  static bool SameRates(const Entry& entry, std::span<const RateQuery> rates) noexcept;
  /// The entry's answer as of `now`, into `outcome`.
  static void Age(const Entry& entry, Deadline now, TakeOutcome& outcome);
  /// Makes room for one more entry.
  void Evict(Deadline now);

  std::size_t capacity_;
  std::uint64_t hits_ = 0;
  /// By the first rate's key; the entry holds every rate.
  std::unordered_map<std::string, Entry, KeyHash, std::equal_to<>> entries_;
};

}  // namespace limitsd::storage::redis

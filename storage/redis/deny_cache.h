#pragma once
// One I/O thread's memory of recent fixed-window denials, so that a hot denied key stops
// costing a Redis round trip (and Redis a script run) on every hit.
//
// What is remembered is the state Redis reported for the rates of a denied request (every
// rate a fixed window). Inside its window a fixed-window count changes only through a take
// that fits or a DEL/DECRBY (Clear, Decr); this daemon's takes and deletions bump
// DenyGenerations, so an entry stays the exact state of Redis as far as this daemon's own
// requests go. From that state any later request for the same rates is answered when some
// rate cannot fit its cost (the denial Redis would give, with the same counts); a request
// that fits asks Redis.
//
// Times are aged by the local steady clock:
//   * an entry is good until `sent + the smallest TTL among the counted rates` (or the
//     smallest window when nothing is counted), where `sent` is when the request left: the
//     script ran after that, so no window ends earlier than this;
//   * each TTL reported later is `ttl - (now - received)`: the script ran before the reply
//     arrived, so this is never shorter than what Redis would answer (nor is retry_ms).
// While a HIT of this thread on the same first key is in flight (BeginTake), nothing is
// answered for that key: that take may change the counts.
//
// Bounded: at `capacity` entries, expired ones are dropped, then arbitrary ones down to
// three quarters. Single-threaded (one per executor); never blocks.

#include <array>
#include <atomic>
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

  /// Marks a HIT on `rates` as in flight on this thread until it is destroyed.
  class TakeInFlight {
   public:
    TakeInFlight(DenyCache& cache, std::span<const RateQuery> rates) noexcept;
    ~TakeInFlight();
    TakeInFlight(const TakeInFlight&) = delete;
    TakeInFlight& operator=(const TakeInFlight&) = delete;

   private:
    DenyCache& cache_;
    std::size_t bucket_;
  };

  /// The denial of `cost` on `rates` that the remembered state gives, aged to `now`, if the
  /// entry is still good under `generations` and no HIT of this thread on those rates is in
  /// flight; nothing when `cost` fits. A stale entry is dropped.
  std::optional<TakeOutcome> Find(std::span<const RateQuery> rates, std::int64_t cost,
                                  const DenyGenerations& generations, Deadline now);

  /// Remembers `outcome` (Redis' answer to `rates` at `cost`, stamped `stamp` before it was
  /// sent) if it is a denial: some rate cannot fit `cost`, and every rate with a count has
  /// a TTL. Anything else is ignored.
  void Remember(std::span<const RateQuery> rates, std::int64_t cost, const TakeOutcome& outcome,
                std::uint64_t stamp, Deadline sent, Deadline received);

  std::size_t size() const noexcept { return entries_.size(); }
  /// Requests answered from memory so far (readable from any thread).
  std::uint64_t hits() const noexcept { return hits_.load(std::memory_order_relaxed); }

 private:
  struct Rate {
    std::string key;
    std::int64_t limit = 0;
    Micros expiry{0};
    FixedWindowState state;
  };
  struct Entry {
    boost::container::small_vector<Rate, 2> rates;
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

  static constexpr std::size_t kInFlightBuckets = 256;

  static bool SameRates(const Entry& entry, std::span<const RateQuery> rates) noexcept;
  /// Whether some rate of `entry` cannot fit `cost`.
  static bool Blocks(const Entry& entry, std::int64_t cost) noexcept;
  static std::size_t InFlightBucket(std::string_view first_key) noexcept;
  /// The entry's answer as of `now`, into `outcome`.
  static void Age(const Entry& entry, Deadline now, TakeOutcome& outcome);
  /// Makes room for one more entry.
  void Evict(Deadline now);

  std::size_t capacity_;
  std::atomic<std::uint64_t> hits_{0};
  /// HITs in flight on this thread, by a hash of their first key.
  std::array<std::uint32_t, kInFlightBuckets> in_flight_{};
  /// By the first rate's key; the entry holds every rate.
  std::unordered_map<std::string, Entry, KeyHash, std::equal_to<>> entries_;
};

}  // namespace limitsd::storage::redis

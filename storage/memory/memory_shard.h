#pragma once
// One shard of the memory store: a lock and four open-addressing tables (fixed-window
// counters, moving-window logs, sliding-window counters, GCRA arrival times) keyed by the
// key digest: its high 64-bit lane for the fixed-window counters (the most numerous: their
// own table, FixedTable, with 24-byte slots and one cache line per lookup), all 128 bits
// for the others. The arithmetic is the strategies' own (strategy/).
// Every method but the constructor requires the caller to hold Mutex(); `now` is the
// store's monotonic time in microseconds.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <mutex>

#include <boost/unordered/unordered_flat_map.hpp>

#include <vector>

#include "storage/memory/fixed_table.h"
#include "storage/memory/key_digest.h"
#include "storage/window_state.h"
#include "strategy/fixed_window.h"
#include "strategy/moving_window_log.h"
#include "strategy/sliding_window_counter.h"
#include "strategy/strategy_kind.h"

namespace limitsd::storage::memory {

struct ShardStats {
  std::size_t fixed_entries = 0;
  std::size_t moving_entries = 0;
  std::size_t sliding_entries = 0;
  std::size_t gcra_entries = 0;
  std::size_t moving_runs = 0;
  std::size_t sweeps = 0;        ///< sweeps run on this shard
  std::size_t swept = 0;         ///< expired entries they reclaimed
  std::size_t refused = 0;       ///< new entries refused because the shard was full
  std::size_t evicted = 0;       ///< live entries evicted to make room for new ones
};

/// What a full shard does with a new entry (storage.options.when_full).
enum class WhenFull : std::uint8_t {
  kDeny,   ///< refuse it (the caller answers StorageErrc::kFull)
  kEvict,  ///< evict the entries that expire soonest to make room
};

class alignas(64) MemoryShard {
 public:
  std::mutex& Mutex() noexcept { return mutex_; }

  /// Caps the entries of this shard (all four tables together) at `max_entries`.
  void SetBound(std::size_t max_entries, WhenFull when_full) noexcept {
    max_entries_ = max_entries;
    when_full_ = when_full;
  }
  /// Whether the entry of `d` for `kind` exists (live or not yet reclaimed).
  bool Contains(StrategyKind kind, const KeyDigest& d) const;
  /// Makes sure `room` more entries fit under the bound: true at once when they do;
  /// otherwise reclaims expired entries (when one may have expired and the calls since the
  /// last sweep paid for one), then with kEvict evicts the soonest-expiring live entries.
  /// False (counted as a refusal) when the entries still do not fit. An eviction makes room
  /// for `spare` more (stored entries of the same request, which it may evict too).
  bool MakeRoom(std::int64_t now, std::size_t room, std::size_t spare = 0);
  /// MakeRoom(now, 1) for a new entry of `d` in `kind`'s table; true when it exists.
  bool Admit(StrategyKind kind, const KeyDigest& d, std::int64_t now) {
    return Size() < max_entries_ || Contains(kind, d) || MakeRoom(now, 1);
  }

  // Fixed window: a counter with an absolute expiry; expired counts as absent.
  FixedWindowState ReadFixed(const KeyDigest& d, std::int64_t now);
  /// Adds `amount`, creating the counter with `expiry` to live when absent; the new count.
  std::int64_t AddFixed(const KeyDigest& d, std::int64_t now, std::int64_t expiry,
                        std::int64_t amount);
  struct FixedHit {
    bool taken = false;
    bool refused = false;  ///< a new counter was needed and the shard is full (kDeny)
  };
  /// A whole fixed-window hit in one lookup: adds `amount` when count + amount <= limit
  /// (and 0 <= amount <= limit), creating the counter as AddFixed does (Admit first).
  /// `state` gets the counter's state, after the hit when taken, otherwise as it is (written
  /// in place, and the two flags come back in a register: a returned struct with the state
  /// was read back from the stack with a stalled load).
  FixedHit HitFixed(const KeyDigest& d, std::int64_t now, std::int64_t expiry, std::int64_t limit,
                    std::int64_t amount, FixedWindowState& state);
  /// Subtracts `amount`, never below 0; no-op when absent.
  void SubtractFixed(const KeyDigest& d, std::int64_t now, std::int64_t amount);
  /// Keeps `*hint` up to date with where the fixed-window counters are (FixedTable::Hint).
  void PublishFixedTo(FixedTable::Hint* hint) noexcept { fixed_.PublishTo(hint); }
  /// Starts loading where the fixed-window counter of `d` is, in the shard that publishes
  /// to `hint`, for a hit that follows soon. Without the lock (FixedTable::Prefetch).
  static void PrefetchFixed(const FixedTable::Hint& hint, const KeyDigest& d) noexcept {
    FixedTable::Prefetch(hint, FixedKey(d));
  }

  // Moving window.
  MovingWindowState ReadMoving(const KeyDigest& d, std::int64_t now, std::int64_t limit,
                               std::int64_t expiry, std::int64_t amount);
  void TakeMoving(const KeyDigest& d, std::int64_t now, std::int64_t limit, std::int64_t expiry,
                  std::int64_t amount);

  // Sliding window counter over buckets floor(now / expiry).
  SlidingWindowState ReadSliding(const KeyDigest& d, std::int64_t now, std::int64_t expiry);
  void TakeSliding(const KeyDigest& d, std::int64_t now, std::int64_t expiry,
                   std::int64_t amount);
  void EraseSliding(const KeyDigest& d);

  // GCRA: the theoretical arrival time, live until it passes.
  GcraState ReadGcra(const KeyDigest& d, std::int64_t now);
  void TakeGcra(const KeyDigest& d, std::int64_t now, Micros interval, std::int64_t amount);

  /// Erases `d` from every table.
  void Erase(const KeyDigest& d);

  /// Records a call; sweeps this shard when it outgrew twice its size after the last sweep.
  /// Returns true every kPeriodicEvery calls, when the caller should sweep another shard.
  bool AfterCall(std::int64_t now) {
    if (Size() > sweep_above_) Sweep(now);
    ++calls_since_sweep_;
    return ++calls_ % kPeriodicEvery == 0;
  }
  /// Sweeps when an entry may have expired since the last sweep; returns entries freed.
  std::size_t SweepIfDue(std::int64_t now);
  /// Erases every expired entry; returns how many.
  std::size_t Sweep(std::int64_t now);

  std::size_t Size() const noexcept {
    return fixed_.size() + moving_.size() + sliding_.size() + gcra_.size();
  }
  /// The counts; `count_runs` also walks the moving-window logs (O(entries)).
  ShardStats Stats(bool count_runs = true) const;

  static constexpr std::uint32_t kPeriodicEvery = 1024;

 private:
  using FixedEntry = strategy::FixedCounter;
  struct MovingEntry {
    std::int64_t expires_at;
    strategy::MovingWindowLog log;
  };
  struct SlidingEntry {
    std::int64_t expires_at;
    strategy::SlidingBuckets buckets;
  };
  struct GcraEntry {
    std::int64_t expires_at;  ///< the theoretical arrival time
  };
  /// The live entry of `key` in `table`, erasing it when expired; nullptr when absent.
  template <class Table, class Key>
  typename Table::mapped_type* FindLive(Table& table, const Key& key, std::int64_t now);
  /// The fixed-window table's key: the digest's high lane, with 0 (the table's empty mark)
  /// read as 1.
  static std::uint64_t FixedKey(const KeyDigest& d) noexcept {
    return d.hi + static_cast<std::uint64_t>(d.hi == 0);
  }
  /// The live counter of `d`, erasing it when expired; nullptr when absent.
  FixedEntry* FindLiveFixed(const KeyDigest& d, std::int64_t now);
  void NoteExpiry(std::int64_t expires_at) noexcept {
    if (expires_at < earliest_expiry_) earliest_expiry_ = expires_at;
  }
  /// Evicts at least `count` live entries, those that expire soonest; returns how many.
  std::size_t EvictSoonest(std::size_t count);

  std::mutex mutex_;
  FixedTable fixed_;
  boost::unordered_flat_map<KeyDigest, MovingEntry, KeyDigestHash> moving_;
  boost::unordered_flat_map<KeyDigest, SlidingEntry, KeyDigestHash> sliding_;
  boost::unordered_flat_map<KeyDigest, GcraEntry, KeyDigestHash> gcra_;
  /// A lower bound of every entry's expiry (max when empty).
  std::int64_t earliest_expiry_ = std::numeric_limits<std::int64_t>::max();
  std::size_t sweep_above_ = kMinSweepSize;
  std::uint32_t calls_ = 0;
  std::size_t sweeps_ = 0;
  std::size_t swept_ = 0;
  std::size_t max_entries_ = std::numeric_limits<std::size_t>::max();
  WhenFull when_full_ = WhenFull::kDeny;
  std::uint32_t calls_since_sweep_ = 0;
  std::size_t refused_ = 0;
  std::size_t evicted_ = 0;
  std::vector<std::int64_t> expiries_;  // EvictSoonest's scratch space, kept between calls

  static constexpr std::size_t kMinSweepSize = 64;
};

}  // namespace limitsd::storage::memory

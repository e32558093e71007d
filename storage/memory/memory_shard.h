#pragma once
// One shard of the memory store: a lock and four open-addressing tables (fixed-window
// counters, moving-window logs, sliding-window counters, GCRA arrival times) keyed by the
// 128-bit key digest. The arithmetic is the strategies' own (strategy/).
// Every method but the constructor requires the caller to hold Mutex(); `now` is the
// store's monotonic time in microseconds.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <mutex>

#include <boost/unordered/unordered_flat_map.hpp>

#include "storage/memory/key_digest.h"
#include "storage/window_state.h"
#include "strategy/fixed_window.h"
#include "strategy/moving_window_log.h"
#include "strategy/sliding_window_counter.h"

namespace limitsd::storage::memory {

struct ShardStats {
  std::size_t fixed_entries = 0;
  std::size_t moving_entries = 0;
  std::size_t sliding_entries = 0;
  std::size_t gcra_entries = 0;
  std::size_t moving_runs = 0;
  std::size_t sweeps = 0;        ///< sweeps run on this shard
  std::size_t swept = 0;         ///< expired entries they reclaimed
};

class alignas(64) MemoryShard {
 public:
  std::mutex& Mutex() noexcept { return mutex_; }

  // Fixed window: a counter with an absolute expiry; expired counts as absent.
  FixedWindowState ReadFixed(const KeyDigest& d, std::int64_t now);
  /// Adds `amount`, creating the counter with `expiry` to live when absent; the new count.
  std::int64_t AddFixed(const KeyDigest& d, std::int64_t now, std::int64_t expiry,
                        std::int64_t amount);
  struct FixedHit {
    FixedWindowState state;  ///< after the hit when taken, otherwise as it is
    bool taken = false;
  };
  /// A whole fixed-window hit in one lookup: adds `amount` when count + amount <= limit
  /// (and 0 <= amount <= limit), creating the counter as AddFixed does.
  FixedHit HitFixed(const KeyDigest& d, std::int64_t now, std::int64_t expiry,
                    std::int64_t limit, std::int64_t amount);
  /// Subtracts `amount`, never below 0; no-op when absent.
  void SubtractFixed(const KeyDigest& d, std::int64_t now, std::int64_t amount);

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
  /// Erases everything; returns how many live entries there were.
  std::size_t Clear(std::int64_t now);

  /// Records a call; sweeps this shard when it outgrew twice its size after the last sweep.
  /// Returns true every kPeriodicEvery calls, when the caller should sweep another shard.
  bool AfterCall(std::int64_t now);
  /// Sweeps when an entry may have expired since the last sweep.
  void SweepIfDue(std::int64_t now);
  /// Erases every expired entry; returns how many.
  std::size_t Sweep(std::int64_t now);

  std::size_t Size() const noexcept {
    return fixed_.size() + moving_.size() + sliding_.size() + gcra_.size();
  }
  ShardStats Stats() const;

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
  /// The live entry of `d` in `table`, erasing it when expired; nullptr when absent.
  template <class Table>
  typename Table::mapped_type* FindLive(Table& table, const KeyDigest& d, std::int64_t now);
  void NoteExpiry(std::int64_t expires_at) noexcept {
    if (expires_at < earliest_expiry_) earliest_expiry_ = expires_at;
  }

  std::mutex mutex_;
  boost::unordered_flat_map<KeyDigest, FixedEntry, KeyDigestHash> fixed_;
  boost::unordered_flat_map<KeyDigest, MovingEntry, KeyDigestHash> moving_;
  boost::unordered_flat_map<KeyDigest, SlidingEntry, KeyDigestHash> sliding_;
  boost::unordered_flat_map<KeyDigest, GcraEntry, KeyDigestHash> gcra_;
  /// A lower bound of every entry's expiry (max when empty).
  std::int64_t earliest_expiry_ = std::numeric_limits<std::int64_t>::max();
  std::size_t sweep_above_ = kMinSweepSize;
  std::uint32_t calls_ = 0;
  std::size_t sweeps_ = 0;
  std::size_t swept_ = 0;

  static constexpr std::size_t kMinSweepSize = 64;
};

}  // namespace limitsd::storage::memory

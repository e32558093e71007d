#pragma once
// The fixed-window counters of one memory shard: an open-addressing table of 24-byte slots
// {key, count, expires_at} with linear probing, keyed by a 64-bit digest lane.
//
// Why not boost::unordered_flat_map: its group metadata and its slots are two arrays, so a
// lookup of a key that is not in the cache misses twice, one miss after the other. Here a
// key's slot and the ones probed after it are contiguous: a lookup touches one cache line,
// or two adjacent ones, and Prefetch() can start that load before the lookup (for the
// requests of one pipelined read, decided one after the other).
//
// Layout: `capacity` slots, a key's probe starting at floor(key * capacity / 2^64) (its high
// bits: the keys are digests, uniform). Key 0 marks an empty slot, so it is not a valid key.
// The table keeps at most 4/5 of its slots full and grows by half: 24 bytes per slot, about
// 30 to 45 bytes per live counter. Erasing shifts the following entries of the probe run
// back (no tombstones), so lookups never slow down after many erasures.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>

#include "strategy/fixed_window.h"

namespace limitsd::storage::memory {

class FixedTable {
 public:
  using Counter = strategy::FixedCounter;

  FixedTable() = default;
  FixedTable(const FixedTable&) = delete;
  FixedTable& operator=(const FixedTable&) = delete;

  std::size_t size() const noexcept { return size_; }
  std::size_t capacity() const noexcept { return capacity_; }

  /// The counter of `key` (not 0), or nullptr.
  Counter* Find(std::uint64_t key) noexcept {
    const std::size_t i = IndexOf(key);
    return i == capacity_ ? nullptr : &slots_[i].counter;
  }
  bool Contains(std::uint64_t key) const noexcept { return IndexOf(key) != capacity_; }
  /// The counter of `key` (not 0), added as {0, 0} when absent (then `second` is true).
  /// May grow the table, which moves every counter: earlier pointers are invalid after.
  std::pair<Counter*, bool> TryEmplace(std::uint64_t key) {
    if (Counter* found = Find(key)) return {found, false};
    return Insert(key);
  }
  /// Removes `key`; whether it was there.
  bool Erase(std::uint64_t key) noexcept;
  /// Removes every counter for which `pred(const Counter&)` is true, visiting each once;
  /// returns how many went.
  template <class Pred>
  std::size_t EraseIf(Pred&& pred);
  /// Calls `f(const Counter&)` for every counter.
  template <class F>
  void ForEach(F&& f) const;
  /// Removes everything and frees the slots.
  void Clear() noexcept;
  /// Shrinks the slots to what the current size needs when the table is mostly empty (less
  /// than 1/8 full), keeping room to grow back.
  void ShrinkIfSparse();

  /// Where a table's slots are, for Prefetch: a copy kept apart from the table (the store
  /// keeps those of all its shards together, where they stay cached), written whenever the
  /// slots move (relaxed atomics: read by any thread, without the table's lock).
  struct Hint {
    std::atomic<std::uintptr_t> slots{0};
    std::atomic<std::size_t> capacity{0};
  };
  /// Keeps `*hint` up to date from now on (null: none).
  void PublishTo(Hint* hint) noexcept {
    hint_ = hint;
    PublishHint();
  }
  /// Starts loading the cache line(s) where a lookup of `key` begins, in the table that
  /// publishes to `hint`. Changes nothing, and may run on any thread while another changes
  /// the table: a stale hint costs one useless load (a prefetch never faults).
  static void Prefetch(const Hint& hint, std::uint64_t key) noexcept {
    const std::size_t capacity = hint.capacity.load(std::memory_order_relaxed);
    const std::uintptr_t slots = hint.slots.load(std::memory_order_relaxed);
    if (capacity == 0 || slots == 0) return;
    const std::uintptr_t at = slots + HomeIn(key, capacity) * sizeof(Slot);
    __builtin_prefetch(reinterpret_cast<const void*>(at));
    // A slot that crosses into the next line (1 in 4: the slots start on a line) needs it too.
    const std::uintptr_t last = at + sizeof(Slot) - 1;
    if ((last ^ at) >= kLineBytes) __builtin_prefetch(reinterpret_cast<const void*>(last));
  }

  /// The most counters `capacity` slots hold before the table grows.
  static constexpr std::size_t MaxLoad(std::size_t capacity) noexcept {
    return capacity / 5 * 4 + capacity % 5 * 4 / 5;
  }

 private:
  struct Slot {
    std::uint64_t key;  ///< 0: empty
    Counter counter;
  };
  struct FreeSlots {
    void operator()(Slot* slots) const noexcept;
  };

  static constexpr std::size_t kMinCapacity = 8;
  static constexpr std::uintptr_t kLineBytes = 64;

  static std::size_t HomeIn(std::uint64_t key, std::size_t capacity) noexcept {
    __extension__ using Uint128 = unsigned __int128;
    return static_cast<std::size_t>((static_cast<Uint128>(key) * capacity) >> 64);
  }
  std::size_t Home(std::uint64_t key) const noexcept { return HomeIn(key, capacity_); }
  /// Publishes the slots' address and count for Prefetch.
  void PublishHint() noexcept {
    if (hint_ == nullptr) return;
    hint_->slots.store(reinterpret_cast<std::uintptr_t>(slots_.get()), std::memory_order_relaxed);
    hint_->capacity.store(capacity_, std::memory_order_relaxed);
  }
  std::size_t Next(std::size_t i) const noexcept { return i + 1 == capacity_ ? 0 : i + 1; }
  /// Whether the entry at `at`, whose probe starts at `home`, may move back to `hole` (the
  /// hole lies on its probe run, cyclically in [home, at)).
  static bool MayFill(std::size_t hole, std::size_t home, std::size_t at) noexcept {
    return home <= at ? (home <= hole && hole < at) : (home <= hole || hole < at);
  }
  /// The slot of `key`, or capacity_ when absent. Inline, as TryEmplace's lookup: the hit
  /// path of a hot key is short, and calls were a good part of it.
  std::size_t IndexOf(std::uint64_t key) const noexcept {
    if (size_ == 0) return capacity_;
    for (std::size_t i = Home(key);; i = Next(i)) {
      const std::uint64_t at = slots_[i].key;
      if (at == key) return i;
      if (at == 0) return capacity_;
    }
  }
  /// Adds `key` (absent) as {0, 0}; may grow the table.
  std::pair<Counter*, bool> Insert(std::uint64_t key);
  /// Empties slot `hole` and shifts the rest of its run back into place.
  void RemoveAt(std::size_t hole) noexcept;
  /// Moves every entry to `capacity` new slots.
  void Rehash(std::size_t capacity);
  /// The slot where `key` would go (not present), in a table with room.
  std::size_t FreeSlotFor(std::uint64_t key) const noexcept;

  std::unique_ptr<Slot[], FreeSlots> slots_;
  std::size_t capacity_ = 0;
  std::size_t size_ = 0;
  Hint* hint_ = nullptr;
};

template <class Pred>
std::size_t FixedTable::EraseIf(Pred&& pred) {
  if (size_ == 0) return 0;
  // Start after an empty slot: a run never wraps past it, so an entry shifted back by a
  // removal comes from ahead of the cursor and is visited exactly once.
  std::size_t start = 0;
  while (slots_[start].key != 0) ++start;
  const std::size_t before = size_;
  std::size_t i = start;
  for (std::size_t step = 0; step < capacity_; ++step) {
    i = Next(i);
    while (slots_[i].key != 0 && pred(static_cast<const Counter&>(slots_[i].counter))) {
      RemoveAt(i);  // the slot now holds the next entry of its run, or nothing
    }
  }
  return before - size_;
}

template <class F>
void FixedTable::ForEach(F&& f) const {
  for (std::size_t i = 0; i < capacity_; ++i) {
    if (slots_[i].key != 0) f(static_cast<const Counter&>(slots_[i].counter));
  }
}

}  // namespace limitsd::storage::memory

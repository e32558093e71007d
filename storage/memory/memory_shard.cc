#include "storage/memory/memory_shard.h"

#include <algorithm>

namespace limitsd::storage::memory {
namespace {

// now + d, clamped instead of overflowing (windows are bounded, callers may not be).
std::int64_t AddClamped(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t sum;
  if (!__builtin_add_overflow(a, b, &sum)) return sum;
  return b > 0 ? std::numeric_limits<std::int64_t>::max()
               : std::numeric_limits<std::int64_t>::min();
}

std::int64_t FloorDiv(std::int64_t a, std::int64_t b) noexcept {
  const std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// A table shrinks after a sweep when it is mostly empty, keeping room to grow back.
template <class Table>
void ShrinkIfSparse(Table& table) {
  constexpr std::size_t kMinCapacity = 256;
  if (table.bucket_count() > kMinCapacity && table.size() * 8 < table.bucket_count()) {
    table.rehash(table.size() * 2);
  }
}

}  // namespace

template <class Table>
typename Table::mapped_type* MemoryShard::FindLive(Table& table, const KeyDigest& d,
                                                   std::int64_t now) {
  const auto it = table.find(d);
  if (it == table.end()) return nullptr;
  if (it->second.expires_at <= now) {
    table.erase(it);
    return nullptr;
  }
  return &it->second;
}

FixedWindowState MemoryShard::ReadFixed(const KeyDigest& d, std::int64_t now) {
  const FixedEntry* entry = FindLive(fixed_, d, now);
  if (entry == nullptr) return {};
  return FixedWindowState{entry->count, Micros{entry->expires_at - now}};
}

std::int64_t MemoryShard::AddFixed(const KeyDigest& d, std::int64_t now, std::int64_t expiry,
                                   std::int64_t amount) {
  auto [it, inserted] = fixed_.try_emplace(d, FixedEntry{0, 0});
  FixedEntry& entry = it->second;
  if (inserted || entry.expires_at <= now) StartFixedWindow(entry, now, expiry);
  entry.count = AddClamped(entry.count, amount);
  return entry.count;
}

// A new window: its time to live starts now and later increments never extend it.
void MemoryShard::StartFixedWindow(FixedEntry& entry, std::int64_t now,
                                   std::int64_t expiry) noexcept {
  entry = FixedEntry{0, AddClamped(now, std::max<std::int64_t>(expiry, 1))};
  NoteExpiry(entry.expires_at);
}

MemoryShard::FixedHit MemoryShard::HitFixed(const KeyDigest& d, std::int64_t now,
                                             std::int64_t expiry, std::int64_t limit,
                                             std::int64_t amount) {
  auto [it, inserted] = fixed_.try_emplace(d, FixedEntry{0, 0});
  FixedEntry& entry = it->second;
  const bool fresh = inserted || entry.expires_at <= now;
  const std::int64_t count = fresh ? 0 : entry.count;
  if (amount < 0 || amount > limit || count + amount > limit) {
    if (fresh) {
      fixed_.erase(it);  // absent or expired: nothing to keep
      return {};
    }
    return {FixedWindowState{entry.count, Micros{entry.expires_at - now}}, false};
  }
  if (fresh) StartFixedWindow(entry, now, expiry);
  entry.count += amount;
  return {FixedWindowState{entry.count, Micros{entry.expires_at - now}}, true};
}

void MemoryShard::SubtractFixed(const KeyDigest& d, std::int64_t now, std::int64_t amount) {
  FixedEntry* entry = FindLive(fixed_, d, now);
  if (entry == nullptr) return;
  entry->count = std::max<std::int64_t>(0, AddClamped(entry->count, -amount));
}

MovingWindowState MemoryShard::ReadMoving(const KeyDigest& d, std::int64_t now,
                                          std::int64_t limit, std::int64_t expiry,
                                          std::int64_t amount) {
  MovingEntry* entry = FindLive(moving_, d, now);
  if (entry == nullptr) return MovingWindowLog{}.State(now, limit, amount);
  entry->log.Expire(now, expiry);
  return entry->log.State(now, limit, amount);
}

void MemoryShard::TakeMoving(const KeyDigest& d, std::int64_t now, std::int64_t limit,
                             std::int64_t expiry, std::int64_t amount) {
  auto [it, inserted] = moving_.try_emplace(d, MovingEntry{0, MovingWindowLog{}});
  MovingEntry& entry = it->second;
  if (!inserted && entry.expires_at <= now) entry.log = MovingWindowLog{};
  entry.log.Expire(now, expiry);
  entry.log.Take(now, limit, amount);
  // The newest unit counts while now <= its time + expiry.
  entry.expires_at = AddClamped(AddClamped(now, expiry), 1);
  NoteExpiry(entry.expires_at);
}

SlidingWindowState MemoryShard::ReadSliding(const KeyDigest& d, std::int64_t now,
                                            std::int64_t expiry) {
  const std::int64_t bucket = FloorDiv(now, expiry);
  SlidingWindowState state;
  state.elapsed = Micros{now - bucket * expiry};
  const SlidingEntry* entry = FindLive(sliding_, d, now);
  if (entry == nullptr) return state;
  if (entry->bucket >= bucket) {
    state.previous = entry->previous;
    state.current = entry->current;
  } else if (entry->bucket == bucket - 1) {
    state.previous = entry->current;
  }
  return state;
}

void MemoryShard::TakeSliding(const KeyDigest& d, std::int64_t now, std::int64_t expiry,
                              std::int64_t amount) {
  const std::int64_t bucket = FloorDiv(now, expiry);
  auto [it, inserted] = sliding_.try_emplace(d, SlidingEntry{0, bucket, 0, 0});
  SlidingEntry& entry = it->second;
  if (!inserted && entry.bucket < bucket) {
    // Shift to the current bucket: the old current becomes previous when adjacent.
    entry.previous = entry.bucket == bucket - 1 ? entry.current : 0;
    entry.current = 0;
    entry.bucket = bucket;
  }
  entry.current = AddClamped(entry.current, amount);
  // Counted until the bucket after the next one starts.
  entry.expires_at = AddClamped(entry.bucket * expiry, AddClamped(expiry, expiry));
  NoteExpiry(entry.expires_at);
}

void MemoryShard::EraseSliding(const KeyDigest& d) { sliding_.erase(d); }

void MemoryShard::Erase(const KeyDigest& d) {
  fixed_.erase(d);
  moving_.erase(d);
  sliding_.erase(d);
}

std::size_t MemoryShard::Clear(std::int64_t now) {
  std::size_t live = 0;
  const auto count_live = [&](const auto& table) {
    for (const auto& [digest, entry] : table) live += entry.expires_at > now ? 1 : 0;
  };
  count_live(fixed_);
  count_live(moving_);
  count_live(sliding_);
  fixed_ = {};
  moving_ = {};
  sliding_ = {};
  earliest_expiry_ = std::numeric_limits<std::int64_t>::max();
  sweep_above_ = kMinSweepSize;
  return live;
}

bool MemoryShard::AfterCall(std::int64_t now) {
  if (Size() > sweep_above_) Sweep(now);
  return ++calls_ % kPeriodicEvery == 0;
}

void MemoryShard::SweepIfDue(std::int64_t now) {
  if (now >= earliest_expiry_) Sweep(now);
}

std::size_t MemoryShard::Sweep(std::int64_t now) {
  const std::size_t before = Size();
  std::int64_t earliest = std::numeric_limits<std::int64_t>::max();
  const auto expired = [&](const auto& item) {
    if (item.second.expires_at <= now) return true;
    earliest = std::min(earliest, item.second.expires_at);
    return false;
  };
  boost::unordered::erase_if(fixed_, expired);
  boost::unordered::erase_if(moving_, expired);
  boost::unordered::erase_if(sliding_, expired);
  ShrinkIfSparse(fixed_);
  ShrinkIfSparse(moving_);
  ShrinkIfSparse(sliding_);
  const std::size_t removed = before - Size();
  earliest_expiry_ = earliest;
  sweep_above_ = std::max(kMinSweepSize, 2 * Size());
  ++sweeps_;
  swept_ += removed;
  return removed;
}

ShardStats MemoryShard::Stats() const {
  ShardStats stats;
  stats.fixed_entries = fixed_.size();
  stats.moving_entries = moving_.size();
  stats.sliding_entries = sliding_.size();
  for (const auto& [digest, entry] : moving_) stats.moving_runs += entry.log.Runs();
  stats.sweeps = sweeps_;
  stats.swept = swept_;
  return stats;
}

}  // namespace limitsd::storage::memory

#include "storage/memory/memory_shard.h"

#include <algorithm>

#include "strategy/gcra.h"

namespace limitsd::storage::memory {
namespace {

using strategy::AddClamped;

// A table shrinks after a sweep when it is mostly empty, keeping room to grow back.
template <class Table>
void ShrinkIfSparse(Table& table) {
  constexpr std::size_t kMinCapacity = 256;
  if (table.bucket_count() > kMinCapacity && table.size() * 8 < table.bucket_count()) {
    table.rehash(table.size() * 2);
  }
}

}  // namespace

template <class Table, class Key>
typename Table::mapped_type* MemoryShard::FindLive(Table& table, const Key& key,
                                                   std::int64_t now) {
  const auto it = table.find(key);
  if (it == table.end()) return nullptr;
  if (it->second.expires_at <= now) {
    table.erase(it);
    return nullptr;
  }
  return &it->second;
}

MemoryShard::FixedEntry* MemoryShard::FindLiveFixed(const KeyDigest& d, std::int64_t now) {
  const std::uint64_t key = FixedKey(d);
  FixedEntry* entry = fixed_.Find(key);
  if (entry == nullptr || strategy::FixedLive(*entry, now)) return entry;
  fixed_.Erase(key);
  return nullptr;
}

FixedWindowState MemoryShard::ReadFixed(const KeyDigest& d, std::int64_t now) {
  return strategy::FixedView(FindLiveFixed(d, now), now);
}

std::int64_t MemoryShard::AddFixed(const KeyDigest& d, std::int64_t now, std::int64_t expiry,
                                   std::int64_t amount) {
  FixedEntry& entry = *fixed_.TryEmplace(FixedKey(d)).first;
  const bool fresh = !strategy::FixedLive(entry, now);
  const std::int64_t count = strategy::FixedAdd(entry, now, expiry, amount);
  if (fresh) NoteExpiry(entry.expires_at);
  return count;
}

MemoryShard::FixedHit MemoryShard::HitFixed(const KeyDigest& d, std::int64_t now,
                                            std::int64_t expiry, std::int64_t limit,
                                            std::int64_t amount, FixedWindowState& state) {
  // A hit that could never pass (a cost above the limit) creates nothing: no room needed.
  if (amount >= 0 && amount <= limit && !Admit(StrategyKind::kFixedWindow, d, now)) {
    state = FixedWindowState{};
    return {false, true};
  }
  FixedEntry& entry = *fixed_.TryEmplace(FixedKey(d)).first;
  const bool fresh = !strategy::FixedLive(entry, now);
  state = strategy::FixedView(&entry, now);
  if (amount < 0 || amount > limit || state.count + amount > limit) {
    if (fresh) fixed_.Erase(FixedKey(d));  // absent or expired: nothing to keep
    return {false, false};
  }
  strategy::FixedAdd(entry, now, expiry, amount);
  if (fresh) NoteExpiry(entry.expires_at);
  state = strategy::FixedView(&entry, now);
  return {true, false};
}

void MemoryShard::SubtractFixed(const KeyDigest& d, std::int64_t now, std::int64_t amount) {
  FixedEntry* entry = FindLiveFixed(d, now);
  if (entry != nullptr) strategy::FixedSubtract(*entry, now, amount);
}

MovingWindowState MemoryShard::ReadMoving(const KeyDigest& d, std::int64_t now,
                                          std::int64_t limit, std::int64_t expiry,
                                          std::int64_t amount) {
  MovingEntry* entry = FindLive(moving_, d, now);
  if (entry == nullptr) return strategy::MovingWindowLog{}.State(now, limit, amount);
  entry->log.Expire(now, expiry);
  return entry->log.State(now, limit, amount);
}

void MemoryShard::TakeMoving(const KeyDigest& d, std::int64_t now, std::int64_t limit,
                             std::int64_t expiry, std::int64_t amount) {
  auto [it, inserted] = moving_.try_emplace(d, MovingEntry{0, strategy::MovingWindowLog{}});
  MovingEntry& entry = it->second;
  if (!inserted && entry.expires_at <= now) entry.log = strategy::MovingWindowLog{};
  entry.log.Expire(now, expiry);
  entry.log.Take(now, limit, amount);
  // The newest unit counts while now <= its time + expiry.
  entry.expires_at = AddClamped(AddClamped(now, expiry), 1);
  NoteExpiry(entry.expires_at);
}

SlidingWindowState MemoryShard::ReadSliding(const KeyDigest& d, std::int64_t now,
                                            std::int64_t expiry) {
  const SlidingEntry* entry = FindLive(sliding_, d, now);
  return strategy::SlidingView(entry == nullptr ? nullptr : &entry->buckets, now, expiry);
}

void MemoryShard::TakeSliding(const KeyDigest& d, std::int64_t now, std::int64_t expiry,
                              std::int64_t amount) {
  auto [it, inserted] =
      sliding_.try_emplace(d, SlidingEntry{0, strategy::SlidingFresh(now, expiry)});
  SlidingEntry& entry = it->second;
  strategy::SlidingTake(entry.buckets, now, expiry, amount);
  entry.expires_at = strategy::SlidingLiveUntil(entry.buckets, expiry);
  NoteExpiry(entry.expires_at);
}

void MemoryShard::EraseSliding(const KeyDigest& d) { sliding_.erase(d); }

GcraState MemoryShard::ReadGcra(const KeyDigest& d, std::int64_t now) {
  const GcraEntry* entry = FindLive(gcra_, d, now);
  return strategy::GcraView(entry == nullptr ? 0 : entry->expires_at, now);
}

void MemoryShard::TakeGcra(const KeyDigest& d, std::int64_t now, Micros interval,
                           std::int64_t amount) {
  GcraEntry& entry = gcra_.try_emplace(d, GcraEntry{0}).first->second;
  entry.expires_at = strategy::GcraTake(entry.expires_at, now, interval, amount);
  NoteExpiry(entry.expires_at);
}

void MemoryShard::Erase(const KeyDigest& d) {
  fixed_.Erase(FixedKey(d));
  moving_.erase(d);
  sliding_.erase(d);
  gcra_.erase(d);
}

bool MemoryShard::Contains(StrategyKind kind, const KeyDigest& d) const {
  switch (kind) {
    case StrategyKind::kFixedWindow: return fixed_.Contains(FixedKey(d));
    case StrategyKind::kMovingWindow: return moving_.contains(d);
    case StrategyKind::kSlidingWindowCounter: return sliding_.contains(d);
    case StrategyKind::kGcra: return gcra_.contains(d);
  }
  return false;
}

bool MemoryShard::MakeRoom(std::int64_t now, std::size_t room, std::size_t spare) {
  const auto fits = [&] { return room <= max_entries_ && Size() <= max_entries_ - room; };
  if (fits()) return true;
  // A sweep visits every entry: one is run when an entry may have expired, and at most once
  // per Size() / 8 calls, so that a flood of new keys on a full shard costs each call at
  // most about 8 entry visits.
  if (now >= earliest_expiry_ && std::size_t{calls_since_sweep_} * 8 >= Size()) {
    Sweep(now);
    if (fits()) return true;
  }
  if (when_full_ == WhenFull::kEvict && room + spare <= max_entries_) {
    // In batches of 1/16 of the bound, so that the pass over the shard is amortised too.
    const std::size_t needed = Size() + room + spare - std::min(Size() + room + spare, max_entries_);
    evicted_ += EvictSoonest(std::max(needed, max_entries_ / 16));
    if (fits()) return true;
  }
  ++refused_;
  return false;
}

std::size_t MemoryShard::EvictSoonest(std::size_t count) {
  const std::size_t before = Size();
  if (count == 0 || before == 0) return 0;
  if (count >= before) {
    fixed_.Clear();
    moving_.clear();
    sliding_.clear();
    gcra_.clear();
    return before;
  }
  // The count-th smallest expiry is the threshold: every entry below it goes, and entries
  // at it go until `count` are gone.
  expiries_.clear();
  expiries_.reserve(before);
  const auto collect = [&](const auto& table) {
    for (const auto& item : table) expiries_.push_back(item.second.expires_at);
  };
  fixed_.ForEach([&](const FixedEntry& entry) { expiries_.push_back(entry.expires_at); });
  collect(moving_);
  collect(sliding_);
  collect(gcra_);
  const auto nth = expiries_.begin() + static_cast<std::ptrdiff_t>(count - 1);
  std::nth_element(expiries_.begin(), nth, expiries_.end());
  const std::int64_t threshold = *nth;
  std::size_t at_threshold =
      count - static_cast<std::size_t>(std::count_if(
                  expiries_.begin(), expiries_.end(),
                  [threshold](std::int64_t e) { return e < threshold; }));
  const auto soonest_at = [&](std::int64_t expires_at) {
    if (expires_at < threshold) return true;
    if (expires_at > threshold || at_threshold == 0) return false;
    --at_threshold;
    return true;
  };
  const auto soonest = [&](const auto& item) { return soonest_at(item.second.expires_at); };
  fixed_.EraseIf([&](const FixedEntry& entry) { return soonest_at(entry.expires_at); });
  boost::unordered::erase_if(moving_, soonest);
  boost::unordered::erase_if(sliding_, soonest);
  boost::unordered::erase_if(gcra_, soonest);
  return before - Size();
}

std::size_t MemoryShard::SweepIfDue(std::int64_t now) {
  return now >= earliest_expiry_ ? Sweep(now) : 0;
}

std::size_t MemoryShard::Sweep(std::int64_t now) {
  const std::size_t before = Size();
  std::int64_t earliest = std::numeric_limits<std::int64_t>::max();
  const auto expired_at = [&](std::int64_t expires_at) {
    if (expires_at <= now) return true;
    earliest = std::min(earliest, expires_at);
    return false;
  };
  const auto expired = [&](const auto& item) { return expired_at(item.second.expires_at); };
  fixed_.EraseIf([&](const FixedEntry& entry) { return expired_at(entry.expires_at); });
  boost::unordered::erase_if(moving_, expired);
  boost::unordered::erase_if(sliding_, expired);
  boost::unordered::erase_if(gcra_, expired);
  fixed_.ShrinkIfSparse();
  ShrinkIfSparse(moving_);
  ShrinkIfSparse(sliding_);
  ShrinkIfSparse(gcra_);
  const std::size_t removed = before - Size();
  earliest_expiry_ = earliest;
  sweep_above_ = std::max(kMinSweepSize, 2 * Size());
  calls_since_sweep_ = 0;
  ++sweeps_;
  swept_ += removed;
  return removed;
}

ShardStats MemoryShard::Stats(bool count_runs) const {
  ShardStats stats;
  stats.fixed_entries = fixed_.size();
  stats.moving_entries = moving_.size();
  stats.sliding_entries = sliding_.size();
  stats.gcra_entries = gcra_.size();
  if (count_runs) {
    for (const auto& [digest, entry] : moving_) stats.moving_runs += entry.log.Runs();
  }
  stats.sweeps = sweeps_;
  stats.swept = swept_;
  stats.refused = refused_;
  stats.evicted = evicted_;
  return stats;
}

}  // namespace limitsd::storage::memory

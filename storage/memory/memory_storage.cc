#include "storage/memory/memory_storage.h"

#include <algorithm>
#include <bit>
#include <exception>
#include <mutex>
#include <new>

#include <boost/container/small_vector.hpp>

#include "storage/storage_error.h"
#include "storage/storage_key.h"
#include "storage/storage_registry.h"

namespace limitsd::storage::memory {
namespace {

constexpr std::size_t kDefaultShards = 256;
constexpr long long kMaxShards = 65536;

// Runs a synchronous store operation as a value-or-error: the data path never throws, and
// the only thing that can (allocation) becomes an error code.
template <class F>
auto Guarded(F&& f) noexcept -> Result<decltype(f())> {
  try {
    if constexpr (std::is_void_v<decltype(f())>) {
      f();
      return {};
    } else {
      return f();
    }
  } catch (...) {
    return Result<decltype(f())>(boost::system::in_place_error,
                                 make_error_code(StorageErrc::kInternal));
  }
}

WindowState ReadState(MemoryShard& shard, const KeyDigest& d, const RateQuery& rate,
                      std::int64_t cost, std::int64_t now) {
  switch (rate.strategy) {
    case StrategyKind::kFixedWindow: return shard.ReadFixed(d, now);
    case StrategyKind::kMovingWindow:
      return shard.ReadMoving(d, now, rate.limit, rate.expiry.count(), cost);
    case StrategyKind::kSlidingWindowCounter:
      return shard.ReadSliding(d, now, rate.expiry.count());
    case StrategyKind::kGcra: return shard.ReadGcra(d, now);
  }
  return FixedWindowState{};
}

void TakeRate(MemoryShard& shard, const KeyDigest& d, const RateQuery& rate, std::int64_t cost,
              std::int64_t now) {
  switch (rate.strategy) {
    case StrategyKind::kFixedWindow: shard.AddFixed(d, now, rate.expiry.count(), cost); return;
    case StrategyKind::kMovingWindow:
      shard.TakeMoving(d, now, rate.limit, rate.expiry.count(), cost);
      return;
    case StrategyKind::kSlidingWindowCounter:
      shard.TakeSliding(d, now, rate.expiry.count(), cost);
      return;
    case StrategyKind::kGcra: shard.TakeGcra(d, now, rate.interval, cost); return;
  }
}

// The options this store reads; any other is refused at start-up.
constexpr std::string_view kOptions[] = {"shards"};

std::size_t ShardsOption(const StorageContext& context) {
  context.RequireKnownOptions("memory", kOptions);
  return static_cast<std::size_t>(context.IntOption("shards", kDefaultShards, 1, kMaxShards));
}

}  // namespace

MemoryStorage::MemoryStorage(const StorageContext& context)
    : MemoryStorage(context.clock, ShardsOption(context)) {}

MemoryStorage::MemoryStorage(std::shared_ptr<const Clock> clock, std::size_t shards)
    : clock_(clock ? std::move(clock) : std::make_shared<SystemClock>()),
      hasher_(KeyHasher::Random()),
      shards_(std::make_unique<MemoryShard[]>(std::bit_ceil(std::max<std::size_t>(shards, 1)))),
      shard_mask_(std::bit_ceil(std::max<std::size_t>(shards, 1)) - 1),
      last_now_(clock_->Now().count()) {}

MemoryStorage::~MemoryStorage() = default;

void MemoryStorage::ValidateOptions(const StorageContext& context) { ShardsOption(context); }

MemoryStorage::Located MemoryStorage::Locate(std::string_view key) const noexcept {
  // The strategy layer's keys start with their hash tag: one pass gives both hashes.
  const HashTagSpan tag = FindHashTag(key);
  if (tag.open == 0) {
    const KeyHasher::Tagged t = hasher_.DigestTagged(key, tag.close);
    return Located{t.digest, &shards_[t.tag_hash & shard_mask_]};
  }
  const KeyDigest digest = hasher_.Digest(key);
  const std::uint64_t h =
      tag.found() ? hasher_.Hash64(key.substr(tag.open + 1, tag.close - tag.open - 1))
                  : digest.lo;
  return Located{digest, &shards_[h & shard_mask_]};
}

std::size_t MemoryStorage::ShardOf(std::string_view key) const noexcept {
  return static_cast<std::size_t>(Locate(key).shard - shards_.get());
}

std::int64_t MemoryStorage::Now() noexcept {
  const std::int64_t t = clock_->Now().count();
  std::int64_t last = last_now_.load(std::memory_order_relaxed);
  while (t > last) {
    if (last_now_.compare_exchange_weak(last, t, std::memory_order_relaxed)) return t;
  }
  return last;
}

template <class Op>
auto MemoryStorage::WithShard(std::string_view key, Op&& op) {
  const Located at = Locate(key);
  std::unique_lock lock(at.shard->Mutex());
  const std::int64_t now = Now();
  auto result = op(*at.shard, at.digest, now);
  const bool periodic = at.shard->AfterCall(now);
  lock.unlock();
  if (periodic) SweepNext(now);
  return result;
}

void MemoryStorage::SweepNext(std::int64_t now) {
  const std::size_t index = sweep_cursor_.fetch_add(1, std::memory_order_relaxed) & shard_mask_;
  MemoryShard& shard = shards_[index];
  std::unique_lock lock(shard.Mutex(), std::try_to_lock);
  if (lock.owns_lock()) shard.SweepIfDue(now);
}

std::int64_t MemoryStorage::IncrNow(std::string_view key, Micros expiry, std::int64_t amount) {
  return WithShard(key, [&](MemoryShard& shard, const KeyDigest& d, std::int64_t now) {
    return shard.AddFixed(d, now, expiry.count(), amount);
  });
}

bool MemoryStorage::AcquireEntryNow(std::string_view key, std::int64_t limit, Micros expiry,
                                    std::int64_t amount) {
  return WithShard(key, [&](MemoryShard& shard, const KeyDigest& d, std::int64_t now) {
    const MovingWindowState state = shard.ReadMoving(d, now, limit, expiry.count(), amount);
    if (!strategy::Fits(state, {limit, expiry}, amount)) return false;
    shard.TakeMoving(d, now, limit, expiry.count(), amount);
    return true;
  });
}

bool MemoryStorage::AcquireSlidingNow(std::string_view key, std::int64_t limit, Micros expiry,
                                      std::int64_t amount) {
  return WithShard(key, [&](MemoryShard& shard, const KeyDigest& d, std::int64_t now) {
    const SlidingWindowState state = shard.ReadSliding(d, now, expiry.count());
    if (!strategy::Fits(state, {limit, expiry}, amount)) return false;
    shard.TakeSliding(d, now, expiry.count(), amount);
    return true;
  });
}

TakeOutcome MemoryStorage::HitOneFixedNow(const RateQuery& rate, std::int64_t cost) {
  return WithShard(rate.key, [&](MemoryShard& shard, const KeyDigest& d, std::int64_t now) {
    const MemoryShard::FixedHit hit = shard.HitFixed(d, now, rate.expiry.count(), rate.limit, cost);
    TakeOutcome outcome;
    outcome.states.emplace_back(hit.state);
    outcome.taken = hit.taken;
    return outcome;
  });
}

TakeOutcome MemoryStorage::TakeAllNow(std::span<const RateQuery> rates, std::int64_t cost,
                                      TakeMode mode) {
  // The daemon's most common request, in one lookup instead of a read, an add and a read.
  if (rates.size() == 1 && mode == TakeMode::kHit &&
      rates.front().strategy == StrategyKind::kFixedWindow) {
    return HitOneFixedNow(rates.front(), cost);
  }
  boost::container::small_vector<Located, 4> located;
  boost::container::small_vector<MemoryShard*, 4> shards;
  for (const RateQuery& rate : rates) {
    located.push_back(Locate(rate.key));
    shards.push_back(located.back().shard);
  }
  // Rates sharing a hash tag share one shard; otherwise lock in address order (no deadlock).
  std::sort(shards.begin(), shards.end());
  shards.erase(std::unique(shards.begin(), shards.end()), shards.end());
  boost::container::small_vector<std::unique_lock<std::mutex>, 2> locks;
  for (MemoryShard* shard : shards) locks.emplace_back(shard->Mutex());
  const std::int64_t now = Now();

  TakeOutcome outcome;
  bool fits = true;
  for (std::size_t i = 0; i < rates.size(); ++i) {
    outcome.states.push_back(ReadState(*located[i].shard, located[i].digest, rates[i], cost, now));
    fits = fits && strategy::Fits(outcome.states.back(), rates[i].params(), cost);
  }
  if (mode == TakeMode::kHit && fits && !rates.empty()) {
    for (std::size_t i = 0; i < rates.size(); ++i) {
      TakeRate(*located[i].shard, located[i].digest, rates[i], cost, now);
    }
    for (std::size_t i = 0; i < rates.size(); ++i) {
      outcome.states[i] = ReadState(*located[i].shard, located[i].digest, rates[i], cost, now);
    }
    outcome.taken = true;
  }
  bool periodic = false;
  for (MemoryShard* shard : shards) periodic = shard->AfterCall(now) || periodic;
  locks.clear();
  if (periodic) SweepNext(now);
  return outcome;
}

Task<Result<std::int64_t>> MemoryStorage::Incr(std::string_view key, Micros expiry,
                                               std::int64_t amount) {
  co_return Guarded([&] { return IncrNow(key, expiry, amount); });
}

Task<Result<void>> MemoryStorage::Decr(std::string_view key, std::int64_t amount) {
  co_return Guarded([&] {
    WithShard(key, [&](MemoryShard& shard, const KeyDigest& d, std::int64_t now) {
      shard.SubtractFixed(d, now, amount);
      return true;
    });
  });
}

Task<Result<std::int64_t>> MemoryStorage::Get(std::string_view key) {
  co_return Guarded([&] {
    return WithShard(key, [&](MemoryShard& shard, const KeyDigest& d, std::int64_t now) {
      return shard.ReadFixed(d, now).count;
    });
  });
}

Task<Result<Micros>> MemoryStorage::GetExpiry(std::string_view key) {
  co_return Guarded([&] {
    return WithShard(key, [&](MemoryShard& shard, const KeyDigest& d, std::int64_t now) {
      return shard.ReadFixed(d, now).ttl;
    });
  });
}

Task<Result<void>> MemoryStorage::Clear(std::string_view key) {
  co_return Guarded([&] {
    WithShard(key, [&](MemoryShard& shard, const KeyDigest& d, std::int64_t) {
      shard.Erase(d);
      return true;
    });
  });
}

Task<Result<std::int64_t>> MemoryStorage::Reset() {
  co_return Guarded([&] {
    std::int64_t cleared = 0;
    for (std::size_t i = 0; i <= shard_mask_; ++i) {
      std::lock_guard lock(shards_[i].Mutex());
      cleared += static_cast<std::int64_t>(shards_[i].Clear(Now()));
    }
    return cleared;
  });
}

Task<bool> MemoryStorage::Check() { co_return true; }

std::string MemoryStorage::Describe() const { return "memory://"; }

Task<Result<bool>> MemoryStorage::AcquireEntry(std::string_view key, std::int64_t limit,
                                               Micros expiry, std::int64_t amount) {
  co_return Guarded([&] { return AcquireEntryNow(key, limit, expiry, amount); });
}

Task<Result<MovingWindowState>> MemoryStorage::GetMovingWindow(std::string_view key,
                                                               std::int64_t limit,
                                                               Micros expiry,
                                                               std::int64_t amount) {
  co_return Guarded([&] {
    return WithShard(key, [&](MemoryShard& shard, const KeyDigest& d, std::int64_t now) {
      return shard.ReadMoving(d, now, limit, expiry.count(), amount);
    });
  });
}

Task<Result<bool>> MemoryStorage::AcquireSlidingWindowEntry(std::string_view key,
                                                            std::int64_t limit, Micros expiry,
                                                            std::int64_t amount) {
  co_return Guarded([&] { return AcquireSlidingNow(key, limit, expiry, amount); });
}

Task<Result<SlidingWindowState>> MemoryStorage::GetSlidingWindow(std::string_view key,
                                                                 Micros expiry) {
  co_return Guarded([&] {
    return WithShard(key, [&](MemoryShard& shard, const KeyDigest& d, std::int64_t now) {
      return shard.ReadSliding(d, now, expiry.count());
    });
  });
}

Task<Result<void>> MemoryStorage::ClearSlidingWindow(std::string_view key, Micros) {
  co_return Guarded([&] {
    WithShard(key, [&](MemoryShard& shard, const KeyDigest& d, std::int64_t) {
      shard.EraseSliding(d);
      return true;
    });
  });
}

Task<Result<bool>> MemoryStorage::AcquireGcra(std::string_view key, std::int64_t burst,
                                              Micros interval, std::int64_t amount) {
  const RateQuery rate{key, StrategyKind::kGcra, burst, Micros{0}, interval};
  co_return Guarded([&] { return TakeAllNow(std::span(&rate, 1), amount, TakeMode::kHit).taken; });
}

Task<Result<GcraState>> MemoryStorage::GetGcra(std::string_view key) {
  co_return Guarded([&] {
    return WithShard(key, [&](MemoryShard& shard, const KeyDigest& d, std::int64_t now) {
      return shard.ReadGcra(d, now);
    });
  });
}

Task<Result<TakeOutcome>> MemoryStorage::TakeAll(std::span<const RateQuery> rates,
                                                 std::int64_t cost, TakeMode mode) {
  co_return Guarded([&] { return TakeAllNow(rates, cost, mode); });
}

Result<TakeOutcome> MemoryStorage::TakeAllImmediately(std::span<const RateQuery> rates,
                                                      std::int64_t cost, TakeMode mode) noexcept {
  return Guarded([&] { return TakeAllNow(rates, cost, mode); });
}

std::size_t MemoryStorage::SweepAll() {
  std::size_t freed = 0;
  for (std::size_t i = 0; i <= shard_mask_; ++i) {
    std::lock_guard lock(shards_[i].Mutex());
    freed += shards_[i].Sweep(Now());
  }
  return freed;
}

MemoryStats MemoryStorage::Stats() const {
  MemoryStats total;
  total.shards = shard_mask_ + 1;
  for (std::size_t i = 0; i <= shard_mask_; ++i) {
    std::lock_guard lock(shards_[i].Mutex());
    const ShardStats s = shards_[i].Stats();
    total.fixed_entries += s.fixed_entries;
    total.moving_entries += s.moving_entries;
    total.sliding_entries += s.sliding_entries;
    total.gcra_entries += s.gcra_entries;
    total.moving_runs += s.moving_runs;
    total.sweeps += s.sweeps;
    total.swept += s.swept;
  }
  return total;
}

LIMITSD_REGISTER_STORAGE(MemoryStorage);

}  // namespace limitsd::storage::memory

#include "storage/memory/memory_storage.h"

#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cstring>
#include <exception>
#include <fstream>
#include <mutex>
#include <new>
#include <optional>
#include <type_traits>

#include <boost/asio/steady_timer.hpp>
#include <boost/container/small_vector.hpp>

#include "storage/storage_error.h"
#include "storage/storage_key.h"
#include "storage/storage_registry.h"

namespace limitsd::storage::memory {
namespace {

constexpr std::size_t kDefaultShards = 256;
constexpr long long kMaxShards = 65536;

template <class T>
struct IsResult : std::false_type {};
template <class T>
struct IsResult<Result<T>> : std::true_type {};

// Runs a synchronous store operation as a value-or-error: the data path never throws, and
// the only thing that can (allocation) becomes an error code. An operation that returns a
// Result already is passed through.
template <class F>
auto Guarded(F&& f) noexcept {
  using R = decltype(f());
  using Out = std::conditional_t<IsResult<R>::value, R, Result<R>>;
  try {
    if constexpr (std::is_void_v<R>) {
      f();
      return Out{};
    } else {
      return Out(f());
    }
  } catch (...) {
    return Out(boost::system::in_place_error, make_error_code(StorageErrc::kInternal));
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
constexpr std::string_view kOptions[] = {"shards", "max_keys", "when_full"};
// Without `shards`, a small max_keys gets fewer shards, so that each holds this many keys.
constexpr std::size_t kMinKeysPerDefaultShard = 1024;
// With `shards` set, each shard must hold at least this many keys: the keys spread over
// the shards unevenly, and a tiny per-shard bound would refuse long before max_keys.
constexpr std::size_t kMinKeysPerShard = 64;
constexpr long long kMaxMaxKeys = 1LL << 40;

using Settings = MemoryStorage::Settings;

Settings ReadSettings(const StorageContext& context) {
  context.RequireKnownOptions("memory", kOptions);
  Settings settings;
  const bool max_keys_set = context.options.contains("max_keys");
  settings.bounds.max_keys = static_cast<std::size_t>(context.IntOption(
      "max_keys", static_cast<long long>(MemoryStorage::DefaultMaxKeys()), 1, kMaxMaxKeys));
  const std::string when_full = context.Option("when_full", "deny");
  if (when_full == "evict") {
    settings.bounds.when_full = WhenFull::kEvict;
  } else if (when_full != "deny") {
    context.Problem("when_full", "storage option 'when_full' must be deny or evict, got '" +
                                     when_full + "'");
  }
  if (context.options.contains("shards")) {
    settings.shards = std::bit_ceil(
        static_cast<std::size_t>(context.IntOption("shards", kDefaultShards, 1, kMaxShards)));
    if (max_keys_set && settings.bounds.max_keys < kMinKeysPerShard * settings.shards) {
      context.Problem("max_keys",
                      "storage option 'max_keys' (" + std::to_string(settings.bounds.max_keys) +
                          ") must be at least " + std::to_string(kMinKeysPerShard) +
                          " per shard (shards: " + std::to_string(settings.shards) +
                          "); raise it, or lower or remove 'shards'");
    }
  } else {
    settings.shards = std::clamp<std::size_t>(
        std::bit_floor(settings.bounds.max_keys / kMinKeysPerDefaultShard), 1, kDefaultShards);
  }
  return settings;
}

// The first unsigned integer in the file at `path`; nullopt when it has none ("max").
std::optional<std::size_t> ReadLimitFile(const char* path) {
  std::ifstream in(path);
  unsigned long long value = 0;
  if (in >> value) return static_cast<std::size_t>(value);
  return std::nullopt;
}

}  // namespace

MemoryStorage::MemoryStorage(const StorageContext& context)
    : MemoryStorage(context.clock, ReadSettings(context)) {
  if (!context.executors.empty()) StartReclaimer(context.executors.front());
}

// The timer's state, shared with its pending handler: the store clears `store` when it
// goes, and the handler then stops (the daemon stops its I/O threads before that).
struct MemoryStorage::Reclaimer {
  explicit Reclaimer(const boost::asio::any_io_executor& executor) : timer(executor) {}
  std::mutex mutex;
  MemoryStorage* store = nullptr;
  boost::asio::steady_timer timer;

  static void Schedule(const std::shared_ptr<Reclaimer>& self) {
    self->timer.expires_after(kReclaimEvery);
    self->timer.async_wait([self](const boost::system::error_code& error) {
      if (error) return;
      {
        std::lock_guard lock(self->mutex);
        if (self->store == nullptr) return;
        self->store->ReclaimTick();
      }
      Schedule(self);
    });
  }
};

void MemoryStorage::StartReclaimer(const boost::asio::any_io_executor& executor) {
  reclaimer_ = std::make_shared<Reclaimer>(executor);
  reclaimer_->store = this;
  Reclaimer::Schedule(reclaimer_);
}

std::size_t MemoryStorage::ReclaimTick() {
  std::size_t visited = 0;
  std::size_t reclaimed = 0;
  for (std::size_t looked = 0; looked <= shard_mask_ && visited < kReclaimEntriesPerTick;
       ++looked) {
    MemoryShard& shard = shards_[reclaim_cursor_++ & shard_mask_];
    std::unique_lock lock(shard.Mutex(), std::try_to_lock);
    ++visited;
    if (!lock.owns_lock()) continue;  // busy: its own calls reclaim it
    visited += shard.Size();
    reclaimed += shard.SweepIfDue(Now());
  }
  const std::size_t swept = Counts().swept;
  if (swept - swept_at_last_trim_ >= kTrimAfterEntries) {
    swept_at_last_trim_ = swept;
    malloc_trim(0);
    trims_.fetch_add(1, std::memory_order_relaxed);
  }
  return reclaimed;
}

MemoryStorage::MemoryStorage(std::shared_ptr<const Clock> clock, std::size_t shards,
                             MemoryBounds bounds)
    : clock_(clock ? std::move(clock) : std::make_shared<SystemClock>()),
      hasher_(KeyHasher::Random()),
      shards_(std::make_unique<MemoryShard[]>(std::bit_ceil(std::max<std::size_t>(shards, 1)))),
      shard_mask_(std::bit_ceil(std::max<std::size_t>(shards, 1)) - 1),
      fixed_hints_(std::make_unique<FixedTable::Hint[]>(shard_mask_ + 1)),
      bounds_(bounds),
      last_now_(clock_->Now().count()) {
  const std::size_t per_shard = std::max<std::size_t>(1, bounds_.max_keys / ShardCount());
  for (std::size_t i = 0; i <= shard_mask_; ++i) {
    shards_[i].SetBound(per_shard, bounds_.when_full);
    shards_[i].PublishFixedTo(&fixed_hints_[i]);
  }
  // Draws the seed of the limits' key parts here, where a failure is reported, and not in
  // the first Locate, which cannot throw.
  (void)HashKeyName({});
}

MemoryStorage::MemoryStorage(std::shared_ptr<const Clock> clock, const Settings& settings)
    : MemoryStorage(std::move(clock), settings.shards, settings.bounds) {}

MemoryStorage::~MemoryStorage() {
  if (reclaimer_) {
    std::lock_guard lock(reclaimer_->mutex);  // waits for a tick in progress
    reclaimer_->store = nullptr;
  }
}

void MemoryStorage::ValidateOptions(const StorageContext& context) { ReadSettings(context); }

std::size_t MemoryStorage::AvailableMemoryBytes() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGE_SIZE);
  std::size_t bytes = pages > 0 && page_size > 0
                          ? static_cast<std::size_t>(pages) * static_cast<std::size_t>(page_size)
                          : std::size_t{1} << 30;
  // cgroup v2, then v1 (whose "no limit" is a huge number, above the RAM).
  for (const char* path : {"/sys/fs/cgroup/memory.max",
                           "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
    if (const std::optional<std::size_t> limit = ReadLimitFile(path)) {
      bytes = std::min(bytes, *limit);
    }
  }
  return bytes;
}

std::size_t MemoryStorage::DefaultMaxKeys() {
  return std::max<std::size_t>(kMinKeysPerDefaultShard,
                               AvailableMemoryBytes() / 4 / kBytesPerKeyBound);
}

MemoryStorage::Located MemoryStorage::Locate(std::string_view key) const noexcept {
  // A key of the limit form is hashed as its limit's keyed take hashes it (LocateKeyed).
  if (const LimitKeySplit split = SplitLimitKey(key); split.found) {
    const KeyHash128 name = HashKeyName(split.name);
    const KeyHasher::KeyedTag tag = hasher_.Keyed({name.lo, name.hi}, split.key);
    const KeyHash128 suffix = HashKeySuffix(split.suffix);
    return Located{hasher_.KeyedDigest(tag, {suffix.lo, suffix.hi}),
                   &shards_[KeyHasher::TagHash(tag) & shard_mask_]};
  }
  // Any other key that starts with its hash tag: one pass gives both hashes. Its tag has no
  // ' ' (a key of the limit form would have one), so the tag's hash is Hash64(tag).
  const HashTagSpan tag = FindHashTag(key);
  if (tag.open == 0) {
    const KeyHasher::Tagged t = hasher_.DigestTagged(key, tag.close);
    return Located{t.digest, &shards_[t.tag_hash & shard_mask_]};
  }
  const KeyDigest digest = hasher_.Digest(key);
  const std::uint64_t h =
      tag.found() ? TagHash(key.substr(tag.open + 1, tag.close - tag.open - 1)) : digest.lo;
  return Located{digest, &shards_[h & shard_mask_]};
}

std::uint64_t MemoryStorage::TagHash(std::string_view tag) const noexcept {
  // A tag "<name> <key>" lands where the keys of the limit form with that tag land.
  const std::size_t space = tag.find(' ');
  if (space == std::string_view::npos) return hasher_.Hash64(tag);
  const KeyHash128 name = HashKeyName(tag.substr(0, space));
  return KeyHasher::TagHash(hasher_.Keyed({name.lo, name.hi}, tag.substr(space + 1)));
}

template <class Out>
void MemoryStorage::LocateKeyed(const LimitKeys& limit, std::string_view key,
                                Out& located) const noexcept {
  const KeyHasher::KeyedTag tag = hasher_.Keyed({limit.name_hash.lo, limit.name_hash.hi}, key);
  MemoryShard* const shard = &shards_[KeyHasher::TagHash(tag) & shard_mask_];
  for (std::size_t i = 0; i < limit.rates.size(); ++i) {
    const KeyHash128& suffix = limit.suffix_hashes[i];
    located[i] = Located{hasher_.KeyedDigest(tag, {suffix.lo, suffix.hi}), shard};
  }
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
auto MemoryStorage::WithLocated(const Located& at, Op&& op) {
  std::unique_lock lock(at.shard->Mutex());
  const std::int64_t now = Now();
  auto result = op(*at.shard, at.digest, now);
  const bool periodic = at.shard->AfterCall(now);
  lock.unlock();
  if (periodic) SweepNext(now);
  return result;
}

template <class Op>
auto MemoryStorage::WithShard(std::string_view key, Op&& op) {
  return WithLocated(Locate(key), std::forward<Op>(op));
}

void MemoryStorage::SweepNext(std::int64_t now) {
  const std::size_t index = sweep_cursor_.fetch_add(1, std::memory_order_relaxed) & shard_mask_;
  MemoryShard& shard = shards_[index];
  std::unique_lock lock(shard.Mutex(), std::try_to_lock);
  if (lock.owns_lock()) shard.SweepIfDue(now);
}

Result<std::int64_t> MemoryStorage::IncrNow(std::string_view key, Micros expiry,
                                             std::int64_t amount) {
  return WithShard(key, [&](MemoryShard& shard, const KeyDigest& d,
                            std::int64_t now) -> Result<std::int64_t> {
    if (!shard.Admit(StrategyKind::kFixedWindow, d, now)) return StorageErrc::kFull;
    return shard.AddFixed(d, now, expiry.count(), amount);
  });
}

Result<bool> MemoryStorage::AcquireEntryNow(std::string_view key, std::int64_t limit,
                                            Micros expiry, std::int64_t amount) {
  return WithShard(key, [&](MemoryShard& shard, const KeyDigest& d,
                            std::int64_t now) -> Result<bool> {
    const MovingWindowState state = shard.ReadMoving(d, now, limit, expiry.count(), amount);
    if (!strategy::Fits(state, {limit, expiry}, amount)) return false;
    if (!shard.Admit(StrategyKind::kMovingWindow, d, now)) return StorageErrc::kFull;
    shard.TakeMoving(d, now, limit, expiry.count(), amount);
    return true;
  });
}

Result<bool> MemoryStorage::AcquireSlidingNow(std::string_view key, std::int64_t limit,
                                              Micros expiry, std::int64_t amount) {
  return WithShard(key, [&](MemoryShard& shard, const KeyDigest& d,
                            std::int64_t now) -> Result<bool> {
    const SlidingWindowState state = shard.ReadSliding(d, now, expiry.count());
    if (!strategy::Fits(state, {limit, expiry}, amount)) return false;
    if (!shard.Admit(StrategyKind::kSlidingWindowCounter, d, now)) return StorageErrc::kFull;
    shard.TakeSliding(d, now, expiry.count(), amount);
    return true;
  });
}

namespace {

// An outcome without states, built where it is returned (no move). From `false`, not
// value-initialized, which would zero all of it first; clang before 16 has no parenthesized
// aggregate initialization, and zeroes it.
Result<TakeOutcome> EmptyOutcome() {
#if defined(__cpp_aggregate_paren_init)
  return Result<TakeOutcome>(boost::system::in_place_value, false);
#else
  return Result<TakeOutcome>(boost::system::in_place_value);
#endif
}

}  // namespace

Result<TakeOutcome> MemoryStorage::HitOneFixed(const Located& at, const RateQuery& rate,
                                               std::int64_t cost) {
  return WithLocated(
      at, [&](MemoryShard& shard, const KeyDigest& d, std::int64_t now) -> Result<TakeOutcome> {
        // Built in place and returned as it is (one returned object): the outcome is not
        // moved.
        Result<TakeOutcome> result = EmptyOutcome();
        WindowState& state = result->states.emplace_back(std::in_place_type<FixedWindowState>);
        const MemoryShard::FixedHit hit = shard.HitFixed(
            d, now, rate.expiry.count(), rate.limit, cost, *std::get_if<FixedWindowState>(&state));
        if (hit.refused) {
          result = StorageErrc::kFull;
        } else {
          result->taken = hit.taken;
        }
        return result;
      });
}

Result<TakeOutcome> MemoryStorage::TakeAllNow(std::span<const RateQuery> rates,
                                              std::int64_t cost, TakeMode mode) {
  // The daemon's most common request, in one lookup instead of a read, an add and a read.
  if (rates.size() == 1 && mode == TakeMode::kHit &&
      rates.front().strategy == StrategyKind::kFixedWindow) {
    return HitOneFixed(Locate(rates.front().key), rates.front(), cost);
  }
  boost::container::small_vector<Located, 4> located;
  for (const RateQuery& rate : rates) located.push_back(Locate(rate.key));
  return TakeLocated(located, rates, cost, mode);
}

Result<TakeOutcome> MemoryStorage::TakeLocated(std::span<const Located> located,
                                               std::span<const RateQuery> rates, std::int64_t cost,
                                               TakeMode mode) {
  boost::container::small_vector<MemoryShard*, 4> shards;
  for (const Located& at : located) shards.push_back(at.shard);
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
  if (mode == TakeMode::kHit && fits && !rates.empty() && !RoomFor(located, rates, now)) {
    bool periodic = false;
    for (MemoryShard* shard : shards) periodic = shard->AfterCall(now) || periodic;
    locks.clear();
    if (periodic) SweepNext(now);
    return StorageErrc::kFull;
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

bool MemoryStorage::RoomFor(std::span<const Located> located, std::span<const RateQuery> rates,
                            std::int64_t now) {
  for (std::size_t i = 0; i < rates.size(); ++i) {
    MemoryShard& shard = *located[i].shard;
    // Once per shard: at the first rate that lives in it.
    bool seen = false;
    for (std::size_t j = 0; j < i; ++j) seen = seen || located[j].shard == &shard;
    if (seen) continue;
    std::size_t absent = 0;
    std::size_t present = 0;
    for (std::size_t j = i; j < rates.size(); ++j) {
      if (located[j].shard != &shard) continue;
      (shard.Contains(rates[j].strategy, located[j].digest) ? present : absent) += 1;
    }
    // An eviction may take one of the request's stored entries, which the take then
    // stores again: it makes room for those too.
    if (absent > 0 && !shard.MakeRoom(now, absent, present)) return false;
  }
  return true;
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
  co_return Guarded([&]() -> Result<bool> {
    const Result<TakeOutcome> outcome = TakeAllNow(std::span(&rate, 1), amount, TakeMode::kHit);
    if (!outcome) return Result<bool>(boost::system::in_place_error, outcome.error());
    return outcome->taken;
  });
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

Result<TakeOutcome> MemoryStorage::TakeKeyed(const LimitKeys& limit, std::string_view key,
                                             std::int64_t cost, TakeMode mode,
                                             const KeyLocation* at) noexcept {
  if (limit.rates.size() == 1) {
    std::array<Located, 1> located;
    if (at != nullptr && at->Holds(keyed_id(), limit, key)) {
      std::memcpy(&located[0], at->where, sizeof(Located));
    } else {
      LocateKeyed(limit, key, located);
    }
    const RateQuery& rate = limit.rates.front();
    if (mode == TakeMode::kHit && rate.strategy == StrategyKind::kFixedWindow) {
      return Guarded([&] { return HitOneFixed(located[0], rate, cost); });
    }
    return Guarded([&] { return TakeLocated(located, limit.rates, cost, mode); });
  }
  return Guarded([&] {
    boost::container::small_vector<Located, 4> located(limit.rates.size());
    LocateKeyed(limit, key, located);
    return TakeLocated(located, limit.rates, cost, mode);
  });
}

void MemoryStorage::Prefetch(std::span<const RateQuery> rates) const noexcept {
  for (const RateQuery& rate : rates) {
    if (rate.strategy != StrategyKind::kFixedWindow) continue;
    const Located at = Locate(rate.key);
    PrefetchLocated(std::span(&at, 1), std::span(&rate, 1));
  }
}

void MemoryStorage::PrefetchKeyed(const LimitKeys& limit, std::string_view key,
                                  KeyLocation* at) const noexcept {
  if (limit.rates.size() == 1) {
    if (limit.rates.front().strategy != StrategyKind::kFixedWindow) return;
    std::array<Located, 1> located;
    LocateKeyed(limit, key, located);
    PrefetchLocated(located, limit.rates);
    if (at != nullptr) {
      at->store = keyed_id();
      at->limit = limit.id;
      at->key = key.data();
      at->key_size = key.size();
      std::memcpy(at->where, &located[0], sizeof(Located));
    }
    return;
  }
  try {
    boost::container::small_vector<Located, 4> located(limit.rates.size());
    LocateKeyed(limit, key, located);
    PrefetchLocated(located, limit.rates);
  } catch (const std::bad_alloc&) {
    // More rates than the stack holds, and no memory: nothing to prefetch.
  }
}

void MemoryStorage::PrefetchLocated(std::span<const Located> located,
                                    std::span<const RateQuery> rates) const noexcept {
  const MemoryShard* prefetched = nullptr;
  for (std::size_t i = 0; i < rates.size(); ++i) {
    if (rates[i].strategy != StrategyKind::kFixedWindow) continue;
    const Located& at = located[i];
    if (at.shard != prefetched) {
      __builtin_prefetch(at.shard);  // the mutex, then the table's fields and sizes
      __builtin_prefetch(reinterpret_cast<const char*>(at.shard) + 64);
      prefetched = at.shard;
    }
    MemoryShard::PrefetchFixed(fixed_hints_[static_cast<std::size_t>(at.shard - shards_.get())],
                               at.digest);
  }
}

std::size_t MemoryStorage::SweepAll() {
  std::size_t freed = 0;
  for (std::size_t i = 0; i <= shard_mask_; ++i) {
    std::lock_guard lock(shards_[i].Mutex());
    freed += shards_[i].Sweep(Now());
  }
  return freed;
}

MemoryStats MemoryStorage::Stats() const { return Totals(true); }

MemoryStats MemoryStorage::Counts() const { return Totals(false); }

MemoryStats MemoryStorage::Totals(bool count_runs) const {
  MemoryStats total;
  total.shards = shard_mask_ + 1;
  for (std::size_t i = 0; i <= shard_mask_; ++i) {
    std::lock_guard lock(shards_[i].Mutex());
    const ShardStats s = shards_[i].Stats(count_runs);
    total.fixed_entries += s.fixed_entries;
    total.moving_entries += s.moving_entries;
    total.sliding_entries += s.sliding_entries;
    total.gcra_entries += s.gcra_entries;
    total.moving_runs += s.moving_runs;
    total.sweeps += s.sweeps;
    total.swept += s.swept;
    total.refused += s.refused;
    total.evicted += s.evicted;
  }
  total.trims = trims_.load(std::memory_order_relaxed);
  return total;
}

LIMITSD_REGISTER_STORAGE(MemoryStorage);

}  // namespace limitsd::storage::memory

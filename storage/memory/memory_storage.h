#pragma once
// memory://, the embedded store: thread-safe, sharded, every strategy and the atomic
// multi-rate take. See docs/storage-memory.md for its guarantees and layout.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include <boost/asio/any_io_executor.hpp>

#include "storage/capabilities.h"
#include "storage/clock.h"
#include "storage/limit_keys.h"
#include "storage/memory/key_digest.h"
#include "storage/memory/memory_shard.h"
#include "storage/storage.h"
#include "storage/storage_context.h"

namespace limitsd::storage::memory {

/// Totals over every shard, for tests and metrics.
struct MemoryStats {
  std::size_t shards = 0;
  std::size_t fixed_entries = 0;
  std::size_t moving_entries = 0;
  std::size_t sliding_entries = 0;
  std::size_t gcra_entries = 0;
  std::size_t moving_runs = 0;
  std::size_t sweeps = 0;
  std::size_t swept = 0;
  std::size_t refused = 0;  ///< new entries refused by a full shard (when_full: deny)
  std::size_t evicted = 0;  ///< live entries evicted by a full shard (when_full: evict)
  std::size_t trims = 0;    ///< malloc_trim(0) calls after large reclaims
  std::size_t Entries() const noexcept {
    return fixed_entries + moving_entries + sliding_entries + gcra_entries;
  }
};

/// The bound on stored entries (storage.options.max_keys and when_full).
struct MemoryBounds {
  /// Entries (one per limit, key and rate) the store may hold; each of its S shards holds
  /// at most max_keys / S of them.
  std::size_t max_keys = std::numeric_limits<std::size_t>::max();
  WhenFull when_full = WhenFull::kDeny;
};

/// Keys are spread over a power-of-two number of shards (option `shards`, default 256) by
/// their hash tag, so all rates of one request live in one shard and are taken under one
/// lock. Entries are identified by a seeded 128-bit digest of the key. Time is the
/// context's clock, made monotonic: the store's now is max(its last now, clock.Now()).
/// Expired entries are reclaimed by the calls themselves, one shard at a time. The number
/// of entries is bounded (MemoryBounds); a full shard refuses or evicts (docs/storage-memory.md).
class MemoryStorage final : public Storage,
                            public MovingWindowSupport,
                            public SlidingWindowCounterSupport,
                            public GcraSupport,
                            public MultiRateSupport,
                            public ImmediateTakeSupport,
                            public KeyedTakeSupport {
 public:
  static constexpr std::string_view kSchemes[] = {"memory"};

  /// Reads the options `shards` (1 to 65536, rounded up to a power of two), `max_keys` and
  /// `when_full` (deny | evict).
  explicit MemoryStorage(const StorageContext& context);
  MemoryStorage(std::shared_ptr<const Clock> clock, std::size_t shards,
                MemoryBounds bounds = {});
  /// The options as read from a context.
  struct Settings {
    std::size_t shards = 256;
    MemoryBounds bounds;
  };
  MemoryStorage(std::shared_ptr<const Clock> clock, const Settings& settings);
  ~MemoryStorage() override;

  /// Checks the options as the constructor reads them.
  static void ValidateOptions(const StorageContext& context);

  /// The bytes one entry may take in the tables, at worst (the largest slot at the lowest
  /// load factor, plus the table's metadata), used to size the default max_keys.
  static constexpr std::size_t kBytesPerKeyBound = 256;
  /// The memory the process may use: physical RAM, or the cgroup's limit when lower.
  static std::size_t AvailableMemoryBytes();
  /// max_keys when the option is not set: AvailableMemoryBytes() / 4 / kBytesPerKeyBound.
  static std::size_t DefaultMaxKeys();

  Task<Result<std::int64_t>> Incr(std::string_view key, Micros expiry,
                                  std::int64_t amount) override;
  Task<Result<void>> Decr(std::string_view key, std::int64_t amount) override;
  Task<Result<std::int64_t>> Get(std::string_view key) override;
  Task<Result<Micros>> GetExpiry(std::string_view key) override;
  Task<Result<void>> Clear(std::string_view key) override;
  Task<bool> Check() override;
  std::string Describe() const override;
  /// The limitsd_memory_* families: entries, bound, refusals, evictions, reclaimed entries
  /// (memory_metrics.cc).
  void RenderMetrics(std::string& out) const override;

  Task<Result<bool>> AcquireEntry(std::string_view key, std::int64_t limit, Micros expiry,
                                  std::int64_t amount) override;
  Task<Result<MovingWindowState>> GetMovingWindow(std::string_view key, std::int64_t limit,
                                                  Micros expiry, std::int64_t amount) override;

  Task<Result<bool>> AcquireSlidingWindowEntry(std::string_view key, std::int64_t limit,
                                               Micros expiry, std::int64_t amount) override;
  Task<Result<SlidingWindowState>> GetSlidingWindow(std::string_view key,
                                                    Micros expiry) override;
  Task<Result<void>> ClearSlidingWindow(std::string_view key, Micros expiry) override;

  Task<Result<bool>> AcquireGcra(std::string_view key, std::int64_t burst, Micros interval,
                                 std::int64_t amount) override;
  Task<Result<GcraState>> GetGcra(std::string_view key) override;

  Task<Result<TakeOutcome>> TakeAll(std::span<const RateQuery> rates, std::int64_t cost,
                                    TakeMode mode) override;
  Result<TakeOutcome> TakeAllImmediately(std::span<const RateQuery> rates, std::int64_t cost,
                                         TakeMode mode) noexcept override;
  /// Prefetches the shard (its lock) and the fixed-window counters' slots
  /// (MemoryShard::PrefetchFixed), without a lock; the other strategies' tables are not
  /// prefetched.
  void Prefetch(std::span<const RateQuery> rates) const noexcept override;
  /// The same take and prefetch, for a limit's keys in hashed form: the user's key is hashed
  /// once for all rates, and no key is written (storage/limit_keys.h). The prefetch of a
  /// one-rate fixed-window limit fills `at` with the key's shard and digest, which the take
  /// then uses instead of hashing the key again; every other prefetch leaves it empty.
  Result<TakeOutcome> TakeKeyed(const LimitKeys& limit, std::string_view key, std::int64_t cost,
                                TakeMode mode, const KeyLocation* at) noexcept override;
  void PrefetchKeyed(const LimitKeys& limit, std::string_view key,
                     KeyLocation* at) const noexcept override;
  using KeyedTakeSupport::PrefetchKeyed;
  using KeyedTakeSupport::TakeKeyed;

  // The same operations, synchronous (the coroutines above only wrap them). Those that may
  // store a new entry fail with StorageErrc::kFull when its shard is full (when_full: deny).
  Result<std::int64_t> IncrNow(std::string_view key, Micros expiry, std::int64_t amount);
  Result<bool> AcquireEntryNow(std::string_view key, std::int64_t limit, Micros expiry,
                               std::int64_t amount);
  Result<bool> AcquireSlidingNow(std::string_view key, std::int64_t limit, Micros expiry,
                                 std::int64_t amount);
  Result<TakeOutcome> TakeAllNow(std::span<const RateQuery> rates, std::int64_t cost,
                                 TakeMode mode);

  /// Sweeps every shard now (the calls also do it incrementally); returns entries freed.
  std::size_t SweepAll();

  /// One tick of the reclamation timer, which reclaims expired entries when traffic is
  /// quiet: sweeps the shards in turn that may hold expired entries and are not busy
  /// (try_lock), until about kReclaimEntriesPerTick entries were visited or every shard
  /// was looked at; then, when kTrimAfterEntries entries or more were reclaimed (by ticks
  /// or by calls) since the last trim, returns the allocator's free memory to the system
  /// (malloc_trim(0)). Returns the entries this tick reclaimed.
  std::size_t ReclaimTick();
  /// The timer's period; a store built with executors runs it on the first one.
  static constexpr std::chrono::milliseconds kReclaimEvery{50};
  static constexpr std::size_t kReclaimEntriesPerTick = 16384;
  static constexpr std::size_t kTrimAfterEntries = 65536;
  MemoryStats Stats() const;
  /// Stats() without walking the moving-window logs: O(shards), for metrics.
  MemoryStats Counts() const;
  std::size_t ShardCount() const noexcept { return shard_mask_ + 1; }
  const MemoryBounds& Bounds() const noexcept { return bounds_; }
  /// The shard index of `key` (for tests of the hash-tag placement).
  std::size_t ShardOf(std::string_view key) const noexcept;

 private:
  struct Located {
    KeyDigest digest;
    MemoryShard* shard;
  };
  // What a KeyLocation this store fills holds.
  static_assert(sizeof(Located) <= sizeof(KeyLocation::where) &&
                alignof(Located) <= alignof(KeyLocation) && std::is_trivially_copyable_v<Located>);

  Located Locate(std::string_view key) const noexcept;
  /// The shard and digest of each rate of `limit` for the user's `key`, into `located`.
  template <class Out>
  void LocateKeyed(const LimitKeys& limit, std::string_view key, Out& located) const noexcept;
  /// The hash that places a key with the hash tag `tag` (the bytes between its braces).
  std::uint64_t TagHash(std::string_view tag) const noexcept;
  /// With every shard of `located` locked: makes room for the entries of `rates` that do
  /// not exist yet (MemoryShard::MakeRoom); false when a shard is full (when_full: deny).
  bool RoomFor(std::span<const Located> located, std::span<const RateQuery> rates,
               std::int64_t now);
  /// The store's now; call with a shard lock held so that per-key times never go back.
  std::int64_t Now() noexcept;
  /// Runs `op(shard, digest, now)` under the key's shard lock, then the sweep bookkeeping.
  template <class Op>
  auto WithShard(std::string_view key, Op&& op);
  /// The same where `at` says.
  template <class Op>
  auto WithLocated(const Located& at, Op&& op);
  /// TakeAllNow of a hit on a single fixed-window rate: one table lookup.
  Result<TakeOutcome> HitOneFixed(const Located& at, const RateQuery& rate, std::int64_t cost);
  /// TakeAllNow of `rates`, each where `located` says.
  Result<TakeOutcome> TakeLocated(std::span<const Located> located,
                                  std::span<const RateQuery> rates, std::int64_t cost,
                                  TakeMode mode);
  /// Prefetch of the fixed-window rates among `rates`, each where `located` says.
  void PrefetchLocated(std::span<const Located> located,
                       std::span<const RateQuery> rates) const noexcept;
  MemoryStats Totals(bool count_runs) const;
  /// Sweeps the next shard in turn if it may hold expired entries and is not busy.
  void SweepNext(std::int64_t now);
  /// Starts the reclamation timer on `executor` (ReclaimTick every kReclaimEvery).
  void StartReclaimer(const boost::asio::any_io_executor& executor);
  struct Reclaimer;

  std::shared_ptr<const Clock> clock_;
  KeyHasher hasher_;
  std::unique_ptr<MemoryShard[]> shards_;
  std::size_t shard_mask_;
  /// Where each shard's fixed-window slots are (4 KiB for 256 shards: they stay cached
  /// where the shards themselves may not), for Prefetch.
  std::unique_ptr<FixedTable::Hint[]> fixed_hints_;
  MemoryBounds bounds_;
  std::atomic<std::int64_t> last_now_;
  std::atomic<std::size_t> sweep_cursor_{0};
  // Only ReclaimTick uses these (one timer, or a test).
  std::size_t reclaim_cursor_ = 0;
  std::size_t swept_at_last_trim_ = 0;
  std::atomic<std::size_t> trims_{0};
  std::shared_ptr<Reclaimer> reclaimer_;  // null without executors
};

}  // namespace limitsd::storage::memory

#pragma once
// memory://, the embedded store: thread-safe, sharded, every strategy and the atomic
// multi-rate take. See docs/storage-memory.md for its guarantees and layout.

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "storage/capabilities.h"
#include "storage/clock.h"
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
  std::size_t Entries() const noexcept {
    return fixed_entries + moving_entries + sliding_entries + gcra_entries;
  }
};

/// Keys are spread over a power-of-two number of shards (option `shards`, default 256) by
/// their hash tag, so all rates of one request live in one shard and are taken under one
/// lock. Entries are identified by a seeded 128-bit digest of the key. Time is the
/// context's clock, made monotonic: the store's now is max(its last now, clock.Now()).
/// Expired entries are reclaimed by the calls themselves, one shard at a time.
class MemoryStorage final : public Storage,
                            public MovingWindowSupport,
                            public SlidingWindowCounterSupport,
                            public GcraSupport,
                            public MultiRateSupport,
                            public ImmediateTakeSupport {
 public:
  static constexpr std::string_view kSchemes[] = {"memory"};

  /// Reads the option `shards` (1 to 65536, rounded up to a power of two).
  explicit MemoryStorage(const StorageContext& context);
  MemoryStorage(std::shared_ptr<const Clock> clock, std::size_t shards);
  ~MemoryStorage() override;

  /// Checks the options as the constructor reads them.
  static void ValidateOptions(const StorageContext& context);

  Task<Result<std::int64_t>> Incr(std::string_view key, Micros expiry,
                                  std::int64_t amount) override;
  Task<Result<void>> Decr(std::string_view key, std::int64_t amount) override;
  Task<Result<std::int64_t>> Get(std::string_view key) override;
  Task<Result<Micros>> GetExpiry(std::string_view key) override;
  Task<Result<void>> Clear(std::string_view key) override;
  Task<Result<std::int64_t>> Reset() override;
  Task<bool> Check() override;
  std::string Describe() const override;

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

  // The same operations, synchronous (the coroutines above only wrap them).
  std::int64_t IncrNow(std::string_view key, Micros expiry, std::int64_t amount);
  bool AcquireEntryNow(std::string_view key, std::int64_t limit, Micros expiry,
                       std::int64_t amount);
  bool AcquireSlidingNow(std::string_view key, std::int64_t limit, Micros expiry,
                         std::int64_t amount);
  TakeOutcome TakeAllNow(std::span<const RateQuery> rates, std::int64_t cost, TakeMode mode);

  /// Sweeps every shard now (the calls also do it incrementally); returns entries freed.
  std::size_t SweepAll();
  MemoryStats Stats() const;
  std::size_t ShardCount() const noexcept { return shard_mask_ + 1; }
  /// The shard index of `key` (for tests of the hash-tag placement).
  std::size_t ShardOf(std::string_view key) const noexcept;

 private:
  struct Located {
    KeyDigest digest;
    MemoryShard* shard;
  };

  Located Locate(std::string_view key) const noexcept;
  /// The store's now; call with a shard lock held so that per-key times never go back.
  std::int64_t Now() noexcept;
  /// Runs `op(shard, digest, now)` under the key's shard lock, then the sweep bookkeeping.
  template <class Op>
  auto WithShard(std::string_view key, Op&& op);
  /// TakeAllNow of a hit on a single fixed-window rate: one table lookup.
  TakeOutcome HitOneFixedNow(const RateQuery& rate, std::int64_t cost);
  /// Sweeps the next shard in turn if it may hold expired entries and is not busy.
  void SweepNext(std::int64_t now);

  std::shared_ptr<const Clock> clock_;
  KeyHasher hasher_;
  std::unique_ptr<MemoryShard[]> shards_;
  std::size_t shard_mask_;
  std::atomic<std::int64_t> last_now_;
  std::atomic<std::size_t> sweep_cursor_{0};
};

}  // namespace limitsd::storage::memory

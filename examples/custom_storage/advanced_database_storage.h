#pragma once
// advanceddatabase://: a custom storage that serves every strategy. A synchronous backend
// that implements the primitives (fixed window) plus SyncMovingWindowSupport,
// SyncSlidingWindowCounterSupport and SyncGcraSupport, over in-process tables guarded by
// one mutex. The arithmetic is the strategies' own (strategy/*.h, part of the SDK); this
// class only stores their state:
//   - fixed windows: counters with an expiry time;
//   - moving windows: a strategy::MovingWindowLog per key;
//   - sliding window counters: strategy::SlidingBuckets per key;
//   - gcra: the theoretical arrival time per key.
// Time comes from the StorageContext's clock and never goes backwards within the store.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "expiring_counters.h"
#include "storage/clock.h"
#include "storage/storage_context.h"
#include "storage/sync_storage.h"
#include "strategy/moving_window_log.h"
#include "strategy/sliding_window_counter.h"

namespace limitsd::examples {

class AdvancedDatabaseStorage final : public storage::SyncStorage,
                                      public storage::SyncMovingWindowSupport,
                                      public storage::SyncSlidingWindowCounterSupport,
                                      public storage::SyncGcraSupport {
 public:
  static constexpr std::string_view kSchemes[] = {"advanceddatabase"};

  explicit AdvancedDatabaseStorage(const storage::StorageContext& context);

  // The primitives (fixed window).
  storage::Result<std::int64_t> Incr(std::string_view key, storage::Micros expiry,
                                     std::int64_t amount) override;
  storage::Result<void> Decr(std::string_view key, std::int64_t amount) override;
  storage::Result<std::int64_t> Get(std::string_view key) override;
  storage::Result<storage::Micros> GetExpiry(std::string_view key) override;
  storage::Result<void> Clear(std::string_view key) override;
  bool Check() override;
  std::string Describe() const override;

  // Moving window.
  storage::Result<bool> AcquireEntry(std::string_view key, std::int64_t limit,
                                     storage::Micros expiry, std::int64_t amount) override;
  storage::Result<storage::MovingWindowState> GetMovingWindow(std::string_view key,
                                                              std::int64_t limit,
                                                              storage::Micros expiry,
                                                              std::int64_t amount) override;

  // Sliding window counter.
  storage::Result<bool> AcquireSlidingWindowEntry(std::string_view key, std::int64_t limit,
                                                  storage::Micros expiry,
                                                  std::int64_t amount) override;
  storage::Result<storage::SlidingWindowState> GetSlidingWindow(std::string_view key,
                                                                storage::Micros expiry) override;
  storage::Result<void> ClearSlidingWindow(std::string_view key, storage::Micros expiry) override;

  // GCRA.
  storage::Result<bool> AcquireGcra(std::string_view key, std::int64_t burst,
                                    storage::Micros interval, std::int64_t amount) override;
  storage::Result<storage::GcraState> GetGcra(std::string_view key) override;

 private:
  struct MovingEntry {
    strategy::MovingWindowLog runs;
    std::int64_t expires_at = 0;  ///< newest run + E: nothing counts from then on
  };
  struct SlidingEntry {
    strategy::SlidingBuckets buckets;
    std::int64_t expires_at = 0;  ///< start of the bucket after the next one
  };

  /// The store's "now": the clock, but never earlier than a "now" already used.
  std::int64_t Now();
  /// Frees the expired entries of every table now and then (call with the lock held).
  void MaybeSweep(std::int64_t now);

  std::string description_;
  std::shared_ptr<const storage::Clock> clock_;
  std::mutex mutex_;  // guards everything below
  std::int64_t last_now_ = 0;
  std::uint32_t writes_ = 0;
  ExpiringCounters counters_;
  std::map<std::string, MovingEntry, std::less<>> moving_;
  std::map<std::string, SlidingEntry, std::less<>> sliding_;
  std::map<std::string, std::int64_t, std::less<>> gcra_;  ///< key -> theoretical arrival time
};

}  // namespace limitsd::examples

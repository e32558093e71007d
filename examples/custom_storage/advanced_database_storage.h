#pragma once
// advanceddatabase://: a custom storage that serves every strategy. A synchronous backend
// that implements the primitives (fixed window) plus SyncMovingWindowSupport and
// SyncSlidingWindowCounterSupport, over in-process tables guarded by one mutex:
//   - fixed windows: counters with an expiry time;
//   - moving windows: runs of (time, count) per key;
//   - sliding window counters: two buckets per key, aligned to Unix time
//     (bucket = floor(now / E)), the previous one weighted by the part of it still inside
//     the window.
// Time comes from the StorageContext's clock and never goes backwards within the store.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "expiring_counters.h"
#include "moving_window_runs.h"
#include "storage/clock.h"
#include "storage/storage_context.h"
#include "storage/sync_storage.h"

namespace limitsd::examples {

class AdvancedDatabaseStorage final : public storage::SyncStorage,
                                      public storage::SyncMovingWindowSupport,
                                      public storage::SyncSlidingWindowCounterSupport {
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
  storage::Result<std::int64_t> Reset() override;
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

 private:
  struct MovingEntry {
    MovingWindowRuns runs;
    std::int64_t expires_at = 0;  ///< newest run + E: nothing counts from then on
  };
  struct SlidingEntry {
    std::int64_t bucket = 0;  ///< floor(time / E) of `current`
    std::int64_t previous = 0;
    std::int64_t current = 0;
    std::int64_t expires_at = 0;  ///< start of the bucket after the next one
  };

  /// The store's "now": the clock, but never earlier than a "now" already used.
  std::int64_t Now();
  /// Frees the expired entries of every table now and then (call with the lock held).
  void MaybeSweep(std::int64_t now);
  /// `entry` moved to the bucket of `now`, and its state there.
  static storage::SlidingWindowState Slide(SlidingEntry& entry, std::int64_t now,
                                           std::int64_t expiry);

  std::string description_;
  std::shared_ptr<const storage::Clock> clock_;
  std::mutex mutex_;  // guards everything below
  std::int64_t last_now_ = 0;
  std::uint32_t writes_ = 0;
  ExpiringCounters counters_;
  std::map<std::string, MovingEntry, std::less<>> moving_;
  std::map<std::string, SlidingEntry, std::less<>> sliding_;
};

}  // namespace limitsd::examples

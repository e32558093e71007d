#pragma once
// basicdb://: the smallest useful custom storage. A synchronous backend (the daemon runs
// its calls on a thread pool, so they may block) that implements only the primitives, so
// it serves fixed windows only. Its "database" is an in-process table guarded by a mutex;
// a real backend would talk to its server here instead.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "expiring_counters.h"
#include "storage/clock.h"
#include "storage/storage_context.h"
#include "storage/sync_storage.h"

namespace limitsd::examples {

class BasicDbStorage final : public storage::SyncStorage {
 public:
  static constexpr std::string_view kSchemes[] = {"basicdb"};

  explicit BasicDbStorage(const storage::StorageContext& context);

  storage::Result<std::int64_t> Incr(std::string_view key, storage::Micros expiry,
                                     std::int64_t amount) override;
  storage::Result<void> Decr(std::string_view key, std::int64_t amount) override;
  storage::Result<std::int64_t> Get(std::string_view key) override;
  storage::Result<storage::Micros> GetExpiry(std::string_view key) override;
  storage::Result<void> Clear(std::string_view key) override;
  bool Check() override;
  std::string Describe() const override;

 private:
  /// The store's "now": the clock, but never earlier than a "now" already used.
  std::int64_t Now();

  std::string description_;
  std::shared_ptr<const storage::Clock> clock_;
  std::mutex mutex_;  // guards everything below
  std::int64_t last_now_ = 0;
  std::uint32_t writes_ = 0;
  ExpiringCounters counters_;
};

}  // namespace limitsd::examples

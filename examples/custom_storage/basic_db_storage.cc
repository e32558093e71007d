#include "basic_db_storage.h"

#include <algorithm>

#include "storage/storage_registry.h"

namespace limitsd::examples {
namespace {
// Expired counters read as absent; a sweep now and then frees their memory.
constexpr std::uint32_t kSweepEvery = 4096;
}  // namespace

BasicDbStorage::BasicDbStorage(const storage::StorageContext& context)
    : description_("basicdb " + context.uri.Redacted() + " (in-process table)"),
      clock_(context.clock) {}

std::int64_t BasicDbStorage::Now() {
  last_now_ = std::max(last_now_, clock_->Now().count());
  return last_now_;
}

storage::Result<std::int64_t> BasicDbStorage::Incr(std::string_view key, storage::Micros expiry,
                                                   std::int64_t amount) {
  std::lock_guard lock(mutex_);
  const std::int64_t now = Now();
  if (++writes_ % kSweepEvery == 0) counters_.EraseExpired(now);
  return counters_.Incr(key, now, expiry.count(), amount);
}

storage::Result<void> BasicDbStorage::Decr(std::string_view key, std::int64_t amount) {
  std::lock_guard lock(mutex_);
  counters_.Decr(key, Now(), amount);
  return {};
}

storage::Result<std::int64_t> BasicDbStorage::Get(std::string_view key) {
  std::lock_guard lock(mutex_);
  return counters_.Get(key, Now());
}

storage::Result<storage::Micros> BasicDbStorage::GetExpiry(std::string_view key) {
  std::lock_guard lock(mutex_);
  return storage::Micros{counters_.TimeToLive(key, Now())};
}

storage::Result<void> BasicDbStorage::Clear(std::string_view key) {
  std::lock_guard lock(mutex_);
  counters_.Erase(key);
  return {};
}

bool BasicDbStorage::Check() { return true; }

std::string BasicDbStorage::Describe() const { return description_; }

}  // namespace limitsd::examples

// The one line that makes "basicdb://" known to limitsd, in a plugin as in the daemon.
LIMITSD_REGISTER_STORAGE(limitsd::examples::BasicDbStorage);

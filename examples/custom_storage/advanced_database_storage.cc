#include "advanced_database_storage.h"

#include <algorithm>

#include "storage/storage_registry.h"
#include "strategy/gcra.h"
#include "strategy/verdict.h"

namespace limitsd::examples {
namespace {

using storage::Micros;
using storage::Result;

// Expired entries read as absent; a sweep now and then frees their memory.
constexpr std::uint32_t kSweepEvery = 4096;

}  // namespace

AdvancedDatabaseStorage::AdvancedDatabaseStorage(const storage::StorageContext& context)
    : description_("advanceddatabase " + context.uri.Redacted() + " (in-process tables)"),
      clock_(context.clock) {}

std::int64_t AdvancedDatabaseStorage::Now() {
  last_now_ = std::max(last_now_, clock_->Now().count());
  return last_now_;
}

void AdvancedDatabaseStorage::MaybeSweep(std::int64_t now) {
  if (++writes_ % kSweepEvery != 0) return;
  counters_.EraseExpired(now);
  std::erase_if(moving_, [now](const auto& item) { return item.second.expires_at < now; });
  std::erase_if(sliding_, [now](const auto& item) { return item.second.expires_at <= now; });
  std::erase_if(gcra_, [now](const auto& item) { return item.second <= now; });
}

Result<std::int64_t> AdvancedDatabaseStorage::Incr(std::string_view key, Micros expiry,
                                                   std::int64_t amount) {
  std::lock_guard lock(mutex_);
  const std::int64_t now = Now();
  MaybeSweep(now);
  return counters_.Incr(key, now, expiry.count(), amount);
}

Result<void> AdvancedDatabaseStorage::Decr(std::string_view key, std::int64_t amount) {
  std::lock_guard lock(mutex_);
  counters_.Decr(key, Now(), amount);
  return {};
}

Result<std::int64_t> AdvancedDatabaseStorage::Get(std::string_view key) {
  std::lock_guard lock(mutex_);
  return counters_.Get(key, Now());
}

Result<Micros> AdvancedDatabaseStorage::GetExpiry(std::string_view key) {
  std::lock_guard lock(mutex_);
  return Micros{counters_.TimeToLive(key, Now())};
}

Result<void> AdvancedDatabaseStorage::Clear(std::string_view key) {
  std::lock_guard lock(mutex_);
  // Whatever strategy stored the key.
  counters_.Erase(key);
  if (const auto it = moving_.find(key); it != moving_.end()) moving_.erase(it);
  if (const auto it = sliding_.find(key); it != sliding_.end()) sliding_.erase(it);
  if (const auto it = gcra_.find(key); it != gcra_.end()) gcra_.erase(it);
  return {};
}

bool AdvancedDatabaseStorage::Check() { return true; }

std::string AdvancedDatabaseStorage::Describe() const { return description_; }

Result<bool> AdvancedDatabaseStorage::AcquireEntry(std::string_view key, std::int64_t limit,
                                                   Micros expiry, std::int64_t amount) {
  if (amount > limit) return false;
  std::lock_guard lock(mutex_);
  const std::int64_t now = Now();
  MaybeSweep(now);
  auto it = moving_.find(key);
  if (it == moving_.end()) it = moving_.emplace(std::string(key), MovingEntry{}).first;
  MovingEntry& entry = it->second;
  entry.runs.Expire(now, expiry.count());
  if (!strategy::Fits(entry.runs.State(now, limit, amount), {limit, expiry}, amount)) {
    return false;
  }
  entry.runs.Take(now, limit, amount);
  entry.expires_at = now + expiry.count();
  return true;
}

Result<storage::MovingWindowState> AdvancedDatabaseStorage::GetMovingWindow(
    std::string_view key, std::int64_t limit, Micros expiry, std::int64_t amount) {
  std::lock_guard lock(mutex_);
  const std::int64_t now = Now();
  const auto it = moving_.find(key);
  if (it == moving_.end()) return strategy::MovingWindowLog{}.State(now, limit, amount);
  it->second.runs.Expire(now, expiry.count());
  return it->second.runs.State(now, limit, amount);
}

Result<bool> AdvancedDatabaseStorage::AcquireSlidingWindowEntry(std::string_view key,
                                                                std::int64_t limit,
                                                                Micros expiry,
                                                                std::int64_t amount) {
  std::lock_guard lock(mutex_);
  const std::int64_t now = Now();
  MaybeSweep(now);
  const std::int64_t window = expiry.count();
  auto it = sliding_.find(key);
  if (it == sliding_.end()) {
    it = sliding_.emplace(std::string(key), SlidingEntry{strategy::SlidingFresh(now, window)})
             .first;
  }
  SlidingEntry& entry = it->second;
  const storage::SlidingWindowState state = strategy::SlidingView(&entry.buckets, now, window);
  if (!strategy::Fits(state, {limit, expiry}, amount)) return false;
  strategy::SlidingTake(entry.buckets, now, window, amount);
  entry.expires_at = strategy::SlidingLiveUntil(entry.buckets, window);
  return true;
}

Result<storage::SlidingWindowState> AdvancedDatabaseStorage::GetSlidingWindow(
    std::string_view key, Micros expiry) {
  std::lock_guard lock(mutex_);
  const std::int64_t now = Now();
  const auto it = sliding_.find(key);
  return strategy::SlidingView(it == sliding_.end() ? nullptr : &it->second.buckets, now,
                               expiry.count());
}

Result<void> AdvancedDatabaseStorage::ClearSlidingWindow(std::string_view key, Micros) {
  std::lock_guard lock(mutex_);
  if (const auto it = sliding_.find(key); it != sliding_.end()) sliding_.erase(it);
  return {};
}

Result<bool> AdvancedDatabaseStorage::AcquireGcra(std::string_view key, std::int64_t burst,
                                                  Micros interval, std::int64_t amount) {
  std::lock_guard lock(mutex_);
  const std::int64_t now = Now();
  MaybeSweep(now);
  auto it = gcra_.find(key);
  const std::int64_t tat = it == gcra_.end() ? 0 : it->second;
  if (!strategy::GcraFits(strategy::GcraView(tat, now), burst, interval, amount)) return false;
  if (it == gcra_.end()) it = gcra_.emplace(std::string(key), 0).first;
  it->second = strategy::GcraTake(tat, now, interval, amount);
  return true;
}

Result<storage::GcraState> AdvancedDatabaseStorage::GetGcra(std::string_view key) {
  std::lock_guard lock(mutex_);
  const std::int64_t now = Now();
  const auto it = gcra_.find(key);
  return strategy::GcraView(it == gcra_.end() ? 0 : it->second, now);
}

}  // namespace limitsd::examples

// The one line that makes "advanceddatabase://" known to limitsd.
LIMITSD_REGISTER_STORAGE(limitsd::examples::AdvancedDatabaseStorage);

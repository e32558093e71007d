#include "expiring_counters.h"

#include <algorithm>

namespace limitsd::examples {

const ExpiringCounters::Counter* ExpiringCounters::Live(std::string_view key,
                                                         std::int64_t now) const {
  const auto it = counters_.find(key);
  if (it == counters_.end() || !strategy::FixedLive(it->second, now)) return nullptr;
  return &it->second;
}

std::int64_t ExpiringCounters::Incr(std::string_view key, std::int64_t now, std::int64_t expiry,
                                    std::int64_t amount) {
  auto it = counters_.find(key);
  if (it == counters_.end()) it = counters_.emplace(std::string(key), Counter{}).first;
  return strategy::FixedAdd(it->second, now, expiry, amount);
}

void ExpiringCounters::Decr(std::string_view key, std::int64_t now, std::int64_t amount) {
  const auto it = counters_.find(key);
  if (it != counters_.end()) strategy::FixedSubtract(it->second, now, amount);
}

std::int64_t ExpiringCounters::Get(std::string_view key, std::int64_t now) const {
  return strategy::FixedView(Live(key, now), now).count;
}

std::int64_t ExpiringCounters::TimeToLive(std::string_view key, std::int64_t now) const {
  return strategy::FixedView(Live(key, now), now).ttl.count();
}

bool ExpiringCounters::Erase(std::string_view key) {
  const auto it = counters_.find(key);
  if (it == counters_.end()) return false;
  counters_.erase(it);
  return true;
}

std::int64_t ExpiringCounters::EraseAll(std::int64_t now) {
  const auto live = std::count_if(counters_.begin(), counters_.end(),
                                  [now](const auto& item) { return item.second.expires_at > now; });
  counters_.clear();
  return live;
}

void ExpiringCounters::EraseExpired(std::int64_t now) {
  std::erase_if(counters_, [now](const auto& item) { return item.second.expires_at <= now; });
}

}  // namespace limitsd::examples

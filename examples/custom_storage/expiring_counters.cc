#include "expiring_counters.h"

#include <algorithm>

namespace limitsd::examples {

const ExpiringCounters::Counter* ExpiringCounters::Live(std::string_view key,
                                                         std::int64_t now) const {
  const auto it = counters_.find(key);
  if (it == counters_.end() || it->second.expires_at <= now) return nullptr;
  return &it->second;
}

std::int64_t ExpiringCounters::Incr(std::string_view key, std::int64_t now, std::int64_t expiry,
                                    std::int64_t amount) {
  auto it = counters_.find(key);
  if (it == counters_.end()) it = counters_.emplace(std::string(key), Counter{}).first;
  Counter& counter = it->second;
  if (counter.expires_at <= now) counter = Counter{0, now + expiry};
  counter.count += amount;
  return counter.count;
}

void ExpiringCounters::Decr(std::string_view key, std::int64_t now, std::int64_t amount) {
  const auto it = counters_.find(key);
  if (it == counters_.end() || it->second.expires_at <= now) return;
  it->second.count = std::max<std::int64_t>(0, it->second.count - amount);
}

std::int64_t ExpiringCounters::Get(std::string_view key, std::int64_t now) const {
  const Counter* counter = Live(key, now);
  return counter == nullptr ? 0 : counter->count;
}

std::int64_t ExpiringCounters::TimeToLive(std::string_view key, std::int64_t now) const {
  const Counter* counter = Live(key, now);
  return counter == nullptr ? 0 : counter->expires_at - now;
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

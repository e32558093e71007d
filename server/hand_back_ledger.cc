#include "server/hand_back_ledger.h"

#include <algorithm>
#include <cstring>

namespace limitsd::server {
namespace {

// The longest window of the limit's rates: past it, no window still counts the units.
std::chrono::microseconds LongestWindow(const limits::Limit& limit) {
  std::chrono::microseconds longest{0};
  for (std::size_t i = 0; i < limit.rates().size(); ++i) {
    longest = std::max(longest, std::chrono::microseconds(limit.Params(i).window));
  }
  return longest;
}

}  // namespace

std::string HandBackLedger::IdOf(const limits::Limit* limit, std::string_view key) {
  std::string id(sizeof(limit), '\0');
  std::memcpy(id.data(), &limit, sizeof(limit));
  id.append(key);
  return id;
}

bool HandBackLedger::Record(const std::shared_ptr<const limits::Limit>& limit, std::string_view key,
                            std::int64_t cost, Clock::time_point now) {
  std::string id = IdOf(limit.get(), key);
  if (const auto it = entries_.find(id); it != entries_.end()) {
    it->second.cost += cost;
    return true;
  }
  if (entries_.size() >= kMaxEntries) return false;
  entries_.emplace(std::move(id), Entry{limit, std::string(key), cost, now});
  return true;
}

std::optional<HandBackLedger::Entry> HandBackLedger::Pop(Clock::time_point now,
                                                         std::int64_t& expired) {
  while (!entries_.empty()) {
    auto node = entries_.extract(entries_.begin());
    Entry& entry = node.mapped();
    if (now - entry.first < LongestWindow(*entry.limit)) return std::move(entry);
    expired += entry.cost;
  }
  return std::nullopt;
}

void HandBackLedger::Restore(Entry entry) {
  std::string id = IdOf(entry.limit.get(), entry.key);
  const auto [it, inserted] = entries_.try_emplace(std::move(id), std::move(entry));
  if (!inserted) {  // admitted again meanwhile: keep both amounts, and the older time
    it->second.cost += entry.cost;
    it->second.first = std::min(it->second.first, entry.first);
  }
}

}  // namespace limitsd::server

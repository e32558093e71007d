#include "storage/redis/deny_cache.h"

#include <algorithm>
#include <chrono>
#include <variant>

namespace limitsd::storage::redis {

bool DenyCache::Cacheable(std::span<const RateQuery> rates) noexcept {
  return !rates.empty() && std::all_of(rates.begin(), rates.end(), [](const RateQuery& rate) {
    return rate.strategy == StrategyKind::kFixedWindow;
  });
}

bool DenyCache::SameRates(const Entry& entry, std::span<const RateQuery> rates) noexcept {
  if (entry.rates.size() != rates.size()) return false;
  for (std::size_t i = 0; i < rates.size(); ++i) {
    const Rate& have = entry.rates[i];
    if (have.key != rates[i].key || have.limit != rates[i].limit ||
        have.expiry != rates[i].expiry) {
      return false;
    }
  }
  return true;
}

bool DenyCache::Blocks(const Entry& entry, std::int64_t cost) noexcept {
  return std::any_of(entry.rates.begin(), entry.rates.end(), [cost](const Rate& rate) {
    return rate.state.count + cost > rate.limit;
  });
}

std::size_t DenyCache::InFlightBucket(std::string_view first_key) noexcept {
  return std::hash<std::string_view>{}(first_key) % kInFlightBuckets;
}

DenyCache::TakeInFlight::TakeInFlight(DenyCache& cache, std::span<const RateQuery> rates) noexcept
    : cache_(cache), bucket_(InFlightBucket(rates.front().key)) {
  ++cache_.in_flight_[bucket_];
}

DenyCache::TakeInFlight::~TakeInFlight() { --cache_.in_flight_[bucket_]; }

void DenyCache::Age(const Entry& entry, Deadline now, TakeOutcome& outcome) {
  const auto age = std::chrono::duration_cast<Micros>(now - entry.received);
  outcome.taken = false;
  outcome.states.clear();
  for (const Rate& rate : entry.rates) {
    FixedWindowState state = rate.state;
    if (state.count > 0) state.ttl = std::max(Micros{1}, state.ttl - age);
    outcome.states.push_back(state);
  }
}

std::optional<TakeOutcome> DenyCache::Find(std::span<const RateQuery> rates, std::int64_t cost,
                                           const DenyGenerations& generations, Deadline now) {
  if (entries_.empty() || rates.empty()) return std::nullopt;
  const auto it = entries_.find(rates.front().key);
  if (it == entries_.end()) return std::nullopt;
  const Entry& entry = it->second;
  if (now >= entry.valid_until || generations.Stamp(rates) != entry.stamp) {
    entries_.erase(it);
    return std::nullopt;
  }
  // A cost that fits must be taken by Redis; a take in flight may change the counts.
  if (!SameRates(entry, rates) || !Blocks(entry, cost) ||
      in_flight_[InFlightBucket(rates.front().key)] != 0) {
    return std::nullopt;
  }
  // Written by this thread only; read by the metrics scrape from another.
  hits_.store(hits_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  std::optional<TakeOutcome> outcome(std::in_place);  // built in place: no copy of the states
  Age(entry, now, *outcome);
  return outcome;
}

void DenyCache::Remember(std::span<const RateQuery> rates, std::int64_t cost,
                         const TakeOutcome& outcome, std::uint64_t stamp, Deadline sent,
                         Deadline received) {
  if (outcome.taken || rates.empty() || outcome.states.size() != rates.size()) return;
  Entry entry{{}, stamp, received, {}};
  bool blocked = false;
  Micros good_for = Micros::max();
  for (std::size_t i = 0; i < rates.size(); ++i) {
    const auto* state = std::get_if<FixedWindowState>(&outcome.states[i]);
    if (state == nullptr || rates[i].strategy != StrategyKind::kFixedWindow) return;
    if (state->count > 0 && state->ttl <= Micros{0}) return;  // no TTL: it may never end
    blocked = blocked || state->count + cost > rates[i].limit;
    good_for = std::min(good_for, rates[i].expiry);
    if (state->count > 0) good_for = std::min(good_for, state->ttl);
    entry.rates.push_back(Rate{std::string(rates[i].key), rates[i].limit, rates[i].expiry, *state});
  }
  if (!blocked) return;
  entry.valid_until = sent + std::chrono::duration_cast<Deadline::duration>(good_for);
  if (entry.valid_until <= received) return;
  const auto it = entries_.find(rates.front().key);
  if (it != entries_.end()) {
    it->second = std::move(entry);
    return;
  }
  if (entries_.size() >= capacity_) Evict(received);
  entries_.emplace(std::string(rates.front().key), std::move(entry));
}

void DenyCache::Evict(Deadline now) {
  std::erase_if(entries_, [now](const auto& item) { return now >= item.second.valid_until; });
  const std::size_t keep = capacity_ - std::max<std::size_t>(1, capacity_ / 4);
  while (entries_.size() > keep) entries_.erase(entries_.begin());
}

}  // namespace limitsd::storage::redis

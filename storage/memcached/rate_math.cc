#include "storage/memcached/rate_math.h"

#include <algorithm>

namespace limitsd::storage::memcached {
namespace {

template <class T>
const T* RecordAs(const LimitItem& item, std::string_view key) {
  const RateRecord* r = item.Find(key);
  return r == nullptr ? nullptr : std::get_if<T>(&r->data);
}

// The record of `key` as a T, replacing any record of another kind.
template <class T>
T& MutableRecordAs(LimitItem& item, std::string_view key) {
  RateRecord& r = item.FindOrAdd(key, RateRecord{{}, T{}});
  if (!std::holds_alternative<T>(r.data)) r.data = T{};
  return std::get<T>(r.data);
}

std::int64_t FloorDiv(std::int64_t a, std::int64_t b) noexcept {
  const std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

FixedWindowState FixedState(const FixedRecord* r, std::int64_t now) {
  if (r == nullptr || r->expires_at <= now) return {};
  return {r->count, Micros{r->expires_at - now}};
}

// Another daemon's clock may run ahead; an item's own times never go backwards.
std::int64_t MovingNow(const MovingRecord& r, std::int64_t now) {
  return r.runs.empty() ? now : std::max(now, r.runs.front().time);
}

MovingWindowState MovingState(const MovingRecord* r, std::int64_t limit, std::int64_t window,
                              std::int64_t cost, std::int64_t now) {
  MovingWindowState s;
  if (r != nullptr && r->window == window && !r->runs.empty()) {
    now = MovingNow(*r, now);
    for (const Run& run : r->runs) {
      if (run.time < now - window) break;  // a unit counts while now <= t + E
      s.count += run.count;
    }
    if (s.count > 0) s.newest_age = Micros{now - r->runs.front().time};
  }
  if (cost > limit) {
    s.blocking_age = Micros{0};  // no unit's expiry ever lets it fit
  } else if (s.count + cost > limit) {
    // The unit at newest-first index limit - cost must leave the window for the cost to fit;
    // it is live because count > limit - cost.
    std::int64_t seen = 0;
    for (const Run& run : r->runs) {
      seen += run.count;
      if (seen > limit - cost) {
        s.blocking_age = Micros{now - run.time};
        break;
      }
    }
  }
  return s;
}

// Keeps the newest `limit` units taken after now - window.
void TrimMoving(MovingRecord& r, std::int64_t limit, std::int64_t now) {
  std::int64_t kept = 0;
  std::size_t i = 0;
  for (; i < r.runs.size() && kept < limit; ++i) {
    Run& run = r.runs[i];
    if (run.time < now - r.window) break;
    run.count = std::min(run.count, limit - kept);
    kept += run.count;
  }
  r.runs.resize(i);
}

void TakeMoving(MovingRecord& r, const RateQuery& rate, std::int64_t cost, std::int64_t now) {
  if (r.window != rate.expiry.count()) r = MovingRecord{rate.expiry.count(), {}};
  now = MovingNow(r, now);
  if (!r.runs.empty() && r.runs.front().time == now) {
    r.runs.front().count += cost;
  } else {
    r.runs.insert(r.runs.begin(), Run{now, cost});
  }
  TrimMoving(r, rate.limit, now);
}

SlidingWindowState SlidingState(const SlidingRecord* r, std::int64_t window, std::int64_t now) {
  if (r != nullptr && r->window == window) now = std::max(now, r->bucket * window);
  const std::int64_t bucket = FloorDiv(now, window);
  SlidingWindowState s{0, 0, Micros{now - bucket * window}};
  if (r == nullptr || r->window != window) return s;
  if (r->bucket == bucket) {
    s.previous = r->previous;
    s.current = r->current;
  } else if (r->bucket == bucket - 1) {
    s.previous = r->current;
  }
  return s;
}

void TakeSliding(SlidingRecord& r, const RateQuery& rate, std::int64_t cost, std::int64_t now) {
  const std::int64_t window = rate.expiry.count();
  const SlidingWindowState s = SlidingState(&r, window, now);
  const std::int64_t bucket = FloorDiv(now, window);
  r = SlidingRecord{window, std::max(bucket, r.window == window ? r.bucket : bucket), s.previous,
                    s.current + cost};
}

std::int64_t RecordLiveUntil(const RateRecord& record) noexcept {
  if (const auto* f = std::get_if<FixedRecord>(&record.data)) return f->expires_at;
  if (const auto* m = std::get_if<MovingRecord>(&record.data)) {
    return m->runs.empty() ? 0 : m->runs.front().time + m->window + 1;
  }
  const auto& s = std::get<SlidingRecord>(record.data);
  return (s.bucket + 2) * s.window;
}

}  // namespace

WindowState StateOf(const LimitItem& item, const RateQuery& rate, std::int64_t cost,
                    std::int64_t now) {
  const std::int64_t window = rate.expiry.count();
  switch (rate.strategy) {
    case StrategyKind::kFixedWindow:
      return FixedState(RecordAs<FixedRecord>(item, rate.key), now);
    case StrategyKind::kMovingWindow:
      return MovingState(RecordAs<MovingRecord>(item, rate.key), rate.limit, window, cost, now);
    case StrategyKind::kSlidingWindowCounter:
      return SlidingState(RecordAs<SlidingRecord>(item, rate.key), window, now);
  }
  return FixedWindowState{};
}

bool Fits(const WindowState& state, const RateQuery& rate, std::int64_t cost) noexcept {
  if (cost > rate.limit) return false;
  if (const auto* f = std::get_if<FixedWindowState>(&state)) return f->count + cost <= rate.limit;
  if (const auto* m = std::get_if<MovingWindowState>(&state)) return m->count + cost <= rate.limit;
  const auto& s = std::get<SlidingWindowState>(state);
  return SlidingWeightedCount(s, rate.expiry) + cost <= rate.limit;
}

void Take(LimitItem& item, const RateQuery& rate, std::int64_t cost, std::int64_t now) {
  switch (rate.strategy) {
    case StrategyKind::kFixedWindow:
      IncrementFixed(item, rate.key, rate.expiry.count(), cost, now);
      return;
    case StrategyKind::kMovingWindow:
      TakeMoving(MutableRecordAs<MovingRecord>(item, rate.key), rate, cost, now);
      return;
    case StrategyKind::kSlidingWindowCounter:
      TakeSliding(MutableRecordAs<SlidingRecord>(item, rate.key), rate, cost, now);
      return;
  }
}

std::int64_t IncrementFixed(LimitItem& item, std::string_view key, std::int64_t expiry,
                            std::int64_t amount, std::int64_t now) {
  FixedRecord& r = MutableRecordAs<FixedRecord>(item, key);
  if (r.expires_at <= now) {
    r = FixedRecord{amount, now + std::max<std::int64_t>(expiry, 1)};
  } else {
    r.count += amount;
  }
  return r.count;
}

bool DecrementFixed(LimitItem& item, std::string_view key, std::int64_t amount,
                    std::int64_t now) {
  RateRecord* record = item.Find(key);
  auto* r = record == nullptr ? nullptr : std::get_if<FixedRecord>(&record->data);
  if (r == nullptr || r->expires_at <= now || r->count == 0) return false;
  r->count = std::max<std::int64_t>(0, r->count - amount);
  return true;
}

void DropDead(LimitItem& item, std::int64_t now) {
  std::erase_if(item.rates, [now](const RateRecord& r) { return RecordLiveUntil(r) <= now; });
}

std::int64_t LiveUntil(const LimitItem& item) noexcept {
  std::int64_t until = 0;
  for (const RateRecord& r : item.rates) until = std::max(until, RecordLiveUntil(r));
  return until;
}

}  // namespace limitsd::storage::memcached

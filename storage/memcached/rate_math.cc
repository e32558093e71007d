#include "storage/memcached/rate_math.h"

#include <algorithm>

#include "strategy/fixed_window.h"
#include "strategy/gcra.h"
#include "strategy/moving_window_log.h"
#include "strategy/sliding_window_counter.h"
#include "strategy/verdict.h"

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

strategy::FixedCounter Counter(const FixedRecord& r) { return {r.count, r.expires_at}; }

// Another daemon's clock may run ahead; an item's own times never go backwards.
std::int64_t MovingNow(const MovingRecord& r, std::int64_t now) {
  return r.runs.empty() ? now : std::max(now, r.runs.front().time);
}

// The record's runs (newest first) as the strategy's log, expired at `now`.
strategy::MovingWindowLog LogOf(const MovingRecord& r, std::int64_t now) {
  strategy::MovingWindowLog log;
  for (auto run = r.runs.rbegin(); run != r.runs.rend(); ++run) log.Append(run->time, run->count);
  log.Expire(now, r.window);
  return log;
}

MovingWindowState MovingState(const MovingRecord* r, std::int64_t limit, std::int64_t window,
                              std::int64_t cost, std::int64_t now) {
  if (r == nullptr || r->window != window) {
    return strategy::MovingWindowLog{}.State(now, limit, cost);
  }
  now = MovingNow(*r, now);
  return LogOf(*r, now).State(now, limit, cost);
}

void TakeMoving(MovingRecord& r, const RateQuery& rate, std::int64_t cost, std::int64_t now) {
  if (r.window != rate.expiry.count()) r = MovingRecord{rate.expiry.count(), {}};
  now = MovingNow(r, now);
  strategy::MovingWindowLog log = LogOf(r, now);
  log.Take(now, rate.limit, cost);
  r.runs.clear();
  log.ForEachNewestFirst([&r](std::int64_t time, std::int64_t count) {
    r.runs.push_back(Run{time, count});
  });
}

strategy::SlidingBuckets Buckets(const SlidingRecord& r) {
  return {r.bucket, r.previous, r.current};
}

SlidingWindowState SlidingState(const SlidingRecord* r, std::int64_t window, std::int64_t now) {
  if (r == nullptr || r->window != window) return strategy::SlidingView(nullptr, now, window);
  const strategy::SlidingBuckets b = Buckets(*r);
  return strategy::SlidingView(&b, now, window);
}

void TakeSliding(SlidingRecord& r, const RateQuery& rate, std::int64_t cost, std::int64_t now) {
  const std::int64_t window = rate.expiry.count();
  strategy::SlidingBuckets b =
      r.window == window ? Buckets(r) : strategy::SlidingFresh(now, window);
  strategy::SlidingTake(b, now, window, cost);
  r = SlidingRecord{window, b.bucket, b.previous, b.current};
}

std::int64_t RecordLiveUntil(const RateRecord& record) noexcept {
  if (const auto* f = std::get_if<FixedRecord>(&record.data)) return f->expires_at;
  if (const auto* m = std::get_if<MovingRecord>(&record.data)) {
    return m->runs.empty() ? 0 : m->runs.front().time + m->window + 1;
  }
  if (const auto* g = std::get_if<GcraRecord>(&record.data)) return g->tat;
  const auto& s = std::get<SlidingRecord>(record.data);
  return strategy::SlidingLiveUntil(Buckets(s), s.window);
}

}  // namespace

WindowState StateOf(const LimitItem& item, const RateQuery& rate, std::int64_t cost,
                    std::int64_t now) {
  const std::int64_t window = rate.expiry.count();
  switch (rate.strategy) {
    case StrategyKind::kFixedWindow: {
      const FixedRecord* r = RecordAs<FixedRecord>(item, rate.key);
      if (r == nullptr) return FixedWindowState{};
      const strategy::FixedCounter c = Counter(*r);
      return strategy::FixedView(&c, now);
    }
    case StrategyKind::kMovingWindow:
      return MovingState(RecordAs<MovingRecord>(item, rate.key), rate.limit, window, cost, now);
    case StrategyKind::kSlidingWindowCounter:
      return SlidingState(RecordAs<SlidingRecord>(item, rate.key), window, now);
    case StrategyKind::kGcra: {
      const GcraRecord* r = RecordAs<GcraRecord>(item, rate.key);
      return strategy::GcraView(r == nullptr ? 0 : r->tat, now);
    }
  }
  return FixedWindowState{};
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
    case StrategyKind::kGcra: {
      GcraRecord& r = MutableRecordAs<GcraRecord>(item, rate.key);
      r.tat = strategy::GcraTake(r.tat, now, rate.interval, cost);
      return;
    }
  }
}

std::int64_t IncrementFixed(LimitItem& item, std::string_view key, std::int64_t expiry,
                            std::int64_t amount, std::int64_t now) {
  FixedRecord& r = MutableRecordAs<FixedRecord>(item, key);
  strategy::FixedCounter c = Counter(r);
  strategy::FixedAdd(c, now, expiry, amount);
  r = FixedRecord{c.count, c.expires_at};
  return r.count;
}

bool DecrementFixed(LimitItem& item, std::string_view key, std::int64_t amount,
                    std::int64_t now) {
  RateRecord* record = item.Find(key);
  auto* r = record == nullptr ? nullptr : std::get_if<FixedRecord>(&record->data);
  if (r == nullptr) return false;
  strategy::FixedCounter c = Counter(*r);
  if (!strategy::FixedSubtract(c, now, amount)) return false;
  r->count = c.count;
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

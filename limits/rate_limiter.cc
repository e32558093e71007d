#include "limits/rate_limiter.h"

#include <algorithm>
#include <new>
#include <string>

#include <boost/container/small_vector.hpp>

#include "limits/window_strategy.h"
#include "storage/limit_keys.h"

namespace limitsd::limits {
namespace {

using Queries = boost::container::small_vector<storage::RateQuery, 2>;
using Verdicts = boost::container::small_vector<RateVerdict, 2>;

// The storage keys of every rate, built in one buffer that lives as long as the request:
// on the stack for any key of ordinary length.
struct KeySet {
  KeySet(const KeySet&) = delete;  // the queries point into the buffer
  KeySet& operator=(const KeySet&) = delete;

  boost::container::small_vector<char, 256> buffer;
  Queries queries;

  KeySet(const Limit& limit, std::string_view key) {
    const std::size_t count = limit.rates().size();
    buffer.resize(limit.StorageKeysSize(key), boost::container::default_init);
    // Filled in place, field by field: a RateQuery built on the stack and copied in cost a
    // stalled load (the copy read 16 bytes that two 8-byte stores had just written).
    queries.resize(count, boost::container::default_init);
    char* at = buffer.data();
    for (std::size_t i = 0; i < count; ++i) {
      char* const end = limit.WriteStorageKey(key, i, at);
      const strategy::RateParams& p = limit.Params(i);
      storage::RateQuery& query = queries[i];
      query.key = std::string_view(at, static_cast<std::size_t>(end - at));
      query.strategy = limit.strategy();
      query.limit = p.limit;
      query.expiry = p.window;
      query.interval = p.interval;
      at = end;
    }
  }
};

bool CostExceedsAnyRate(const Limit& limit, std::int64_t cost) {
  for (std::size_t i = 0; i < limit.rates().size(); ++i) {
    if (cost > limit.Params(i).limit) return true;
  }
  return false;
}

// The decision of a limit of one rate (most limits: the one rate binds, nothing to combine)
// from its outcome.
// Inline in its callers, and flattened (the verdict's arithmetic inline too): the decision
// and the verdict are built in registers and stored once, where the caller's answer goes; a
// returned one was read back with loads that stalled on the stores just made.
[[gnu::always_inline, gnu::flatten]] inline Decision ConcludeOne(
    const Limit& limit, const storage::TakeOutcome& outcome, std::int64_t cost,
    storage::TakeMode mode) {
  const RateVerdict v =
      strategy::Evaluate(limit.Params(0), outcome.states.front(), cost, outcome.taken);
  return DecisionOf(limit, 0, v, mode == storage::TakeMode::kHit ? outcome.taken : v.fits);
}

// Orders verdicts by how strongly they bind: denials first, larger retry (-1 = never)
// first; then less remaining; then the longer window.
bool BindsHarder(const RateVerdict& a, const RateLimitItem& ra, const RateVerdict& b,
                 const RateLimitItem& rb) {
  if (a.fits != b.fits) return !a.fits;
  if (!a.fits) {
    const auto key = [](std::int64_t retry) { return retry < 0 ? INT64_MAX : retry; };
    return key(a.retry_ms) > key(b.retry_ms);
  }
  if (a.remaining != b.remaining) return a.remaining < b.remaining;
  return ra.ExpirySeconds() > rb.ExpirySeconds();
}

}  // namespace

Decision Combine(const Limit& limit, std::span<const RateVerdict> verdicts, bool allowed) {
  std::size_t binding = 0;
  for (std::size_t i = 1; i < verdicts.size(); ++i) {
    if (BindsHarder(verdicts[i], limit.rates()[i], verdicts[binding], limit.rates()[binding])) {
      binding = i;
    }
  }
  return DecisionOf(limit, binding, verdicts[binding], allowed);
}

RateLimiter::RateLimiter(storage::Storage& storage)
    : storage_(storage),
      multi_rate_(storage.AsMultiRate()),
      immediate_(storage.AsImmediateTake()),
      keyed_(dynamic_cast<storage::KeyedTakeSupport*>(immediate_)) {
  capabilities_.moving_window = storage.AsMovingWindow() != nullptr;
  capabilities_.sliding_window_counter = storage.AsSlidingWindowCounter() != nullptr;
  capabilities_.gcra = storage.AsGcra() != nullptr;
  capabilities_.multi_rate = multi_rate_ != nullptr;
}

storage::Pending<Result<Decision>> RateLimiter::Decide(const Limit& limit, std::string_view key,
                                                       std::int64_t cost, storage::TakeMode mode,
                                                       const storage::KeyLocation* at) {
  // The most common decision, a keyed take of one rate, concluded here: the decision is
  // built where the caller's answer goes (through DecideImmediately and Conclude, it was
  // built on the stack and copied, and the copy's loads stalled on the stores just made).
  if (keyed_ != nullptr && limit.keys().keyed && limit.rates().size() == 1 &&
      Serves(limit.strategy())) {
    // DecideImmediately's keyed take, for one rate (CostExceedsAnyRate of one rate).
    if (cost > limit.Params(0).limit) mode = storage::TakeMode::kPeek;
    const Result<storage::TakeOutcome> outcome =
        keyed_->TakeKeyed(limit.keys(), key, cost, mode, at);
    if (outcome && outcome->states.size() == 1)
      return Result<Decision>(ConcludeOne(limit, *outcome, cost, mode));
    return Conclude(limit, outcome, cost, mode);
  }
  if (immediate_ != nullptr) return DecideImmediately(limit, key, cost, mode, at);
  return Awaited(limit, key, cost, mode);
}

void RateLimiter::Prefetch(const Limit& limit, std::string_view key,
                           storage::KeyLocation* at) const noexcept {
  if (immediate_ == nullptr) return;
  if (keyed_ != nullptr && limit.keys().keyed) {
    keyed_->PrefetchKeyed(limit.keys(), key, at);
    return;
  }
  try {
    const KeySet keys(limit, key);
    immediate_->Prefetch(keys.queries);
  } catch (const std::bad_alloc&) {
    // A key too long for the stack buffer, and no memory for it: nothing to prefetch.
  }
}

Result<Decision> RateLimiter::DecideImmediately(const Limit& limit, std::string_view key,
                                                std::int64_t cost, storage::TakeMode mode,
                                                const storage::KeyLocation* at) {
  if (!Serves(limit.strategy())) return storage::StorageErrc::kUnsupported;
  if (CostExceedsAnyRate(limit, cost)) mode = storage::TakeMode::kPeek;
  if (keyed_ != nullptr && limit.keys().keyed) {
    return Conclude(limit, keyed_->TakeKeyed(limit.keys(), key, cost, mode, at), cost, mode);
  }
  try {
    const KeySet keys(limit, key);
    return Conclude(limit, immediate_->TakeAllImmediately(keys.queries, cost, mode), cost, mode);
  } catch (const std::bad_alloc&) {
    return storage::StorageErrc::kInternal;  // the data path never throws
  }
}

Task<Result<Decision>> RateLimiter::Awaited(const Limit& limit, std::string_view key,
                                            std::int64_t cost, storage::TakeMode mode) {
  if (!Serves(limit.strategy())) co_return storage::StorageErrc::kUnsupported;
  // A cost above some rate's amount can never pass: look, never take.
  if (CostExceedsAnyRate(limit, cost)) mode = storage::TakeMode::kPeek;
  const KeySet keys(limit, key);
  // (No co_await inside a conditional expression: g++ 12 miscompiles it.)
  Result<storage::TakeOutcome> outcome = storage::StorageErrc::kInternal;
  if (multi_rate_ != nullptr) {
    outcome = co_await multi_rate_->TakeAll(keys.queries, cost, mode);
  } else {
    outcome = co_await TakeWithPrimitives(limit, keys.queries, cost, mode);
  }
  co_return Conclude(limit, outcome, cost, mode);
}

Result<Decision> RateLimiter::Conclude(const Limit& limit,
                                       const Result<storage::TakeOutcome>& outcome,
                                       std::int64_t cost, storage::TakeMode mode) {
  if (!outcome) return outcome.error();
  if (outcome->states.size() != limit.rates().size()) return storage::StorageErrc::kProtocol;
  if (limit.rates().size() == 1) return ConcludeOne(limit, *outcome, cost, mode);
  Verdicts verdicts;
  bool all_fit = true;
  for (std::size_t i = 0; i < limit.rates().size(); ++i) {
    verdicts.push_back(
        strategy::Evaluate(limit.Params(i), outcome->states[i], cost, outcome->taken));
    all_fit = all_fit && verdicts.back().fits;
  }
  const bool allowed = mode == storage::TakeMode::kHit ? outcome->taken : all_fit;
  return Combine(limit, verdicts, allowed);
}

// Several rates without MultiRateSupport: test every rate first, then take them in turn.
// Not atomic across rates under concurrency (docs/custom-storage.md says so).
Task<Result<storage::TakeOutcome>> RateLimiter::TakeWithPrimitives(
    const Limit& limit, std::span<const storage::RateQuery> rates, std::int64_t cost,
    storage::TakeMode mode) {
  const WindowStrategy& primitives = StrategyFor(limit.strategy());
  storage::TakeOutcome outcome;
  bool all_fit = true;
  for (std::size_t i = 0; i < rates.size(); ++i) {
    Result<storage::WindowState> state = co_await primitives.Peek(storage_, rates[i], cost);
    if (!state) co_return state.error();
    outcome.states.push_back(*state);
    all_fit = all_fit && strategy::Evaluate(limit.Params(i), *state, cost, false).fits;
  }
  if (mode == storage::TakeMode::kPeek || !all_fit) co_return outcome;
  outcome.taken = true;
  for (std::size_t i = 0; i < rates.size(); ++i) {
    Result<TakeResult> took = co_await primitives.Take(storage_, rates[i], cost);
    if (!took) co_return took.error();
    outcome.states[i] = took->state;
    if (!took->taken) {
      outcome.taken = false;
      break;
    }
  }
  co_return outcome;
}

Task<Result<void>> RateLimiter::Clear(const Limit& limit, std::string_view key) {
  const KeySet keys(limit, key);
  const WindowStrategy& primitives = StrategyFor(limit.strategy());
  for (std::size_t i = 0; i < keys.queries.size(); ++i) {
    const Result<void> cleared = co_await primitives.Clear(storage_, keys.queries[i]);
    if (!cleared) co_return cleared.error();
  }
  co_return Result<void>{};
}

}  // namespace limitsd::limits

namespace limitsd::limits {

Task<Result<void>> RateLimiter::GiveBack(const Limit& limit, std::string_view key,
                                         std::int64_t cost) {
  if (limit.strategy() != StrategyKind::kFixedWindow) co_return storage::StorageErrc::kUnsupported;
  const KeySet keys(limit, key);
  for (const storage::RateQuery& rate : keys.queries) {
    Result<void> done = co_await storage_.Decr(rate.key, cost);
    if (!done) co_return done.error();
  }
  co_return Result<void>{};
}

}  // namespace limitsd::limits

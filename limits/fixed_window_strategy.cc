#include "limits/fixed_window_strategy.h"

namespace limitsd::limits {
namespace {

Task<Result<storage::WindowState>> ReadCounter(storage::Storage& storage, std::string_view key,
                                               std::int64_t count) {
  const Result<storage::Micros> ttl = co_await storage.GetExpiry(key);
  if (!ttl) co_return ttl.error();
  co_return storage::FixedWindowState{count, *ttl};
}

}  // namespace

Task<Result<storage::WindowState>> FixedWindowStrategy::Peek(storage::Storage& storage, const storage::RateQuery& rate,
                                                             std::int64_t) const {
  const Result<std::int64_t> count = co_await storage.Get(rate.key);
  if (!count) co_return count.error();
  co_return co_await ReadCounter(storage, rate.key, *count);
}

// Increment, and give the cost back when the result is over the amount: nothing is ever
// over-admitted (a concurrent request may be denied while a give-back is in flight).
Task<Result<TakeResult>> FixedWindowStrategy::Take(storage::Storage& storage, const storage::RateQuery& rate,
                                                   std::int64_t cost) const {
  const Result<std::int64_t> count = co_await storage.Incr(rate.key, rate.expiry, cost);
  if (!count) co_return count.error();
  const bool taken = *count <= rate.limit;
  if (!taken) {
    const Result<void> back = co_await storage.Decr(rate.key, cost);
    if (!back) co_return back.error();
  }
  Result<storage::WindowState> state =
      co_await ReadCounter(storage, rate.key, taken ? *count : *count - cost);
  if (!state) co_return state.error();
  co_return TakeResult{taken, *state};
}

Task<Result<void>> FixedWindowStrategy::Clear(storage::Storage& storage, const storage::RateQuery& rate) const {
  co_return co_await storage.Clear(rate.key);
}

}  // namespace limitsd::limits

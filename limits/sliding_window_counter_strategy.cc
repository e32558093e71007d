#include "limits/sliding_window_counter_strategy.h"

namespace limitsd::limits {

Task<Result<storage::WindowState>> SlidingWindowCounterStrategy::Peek(
    storage::Storage& storage, std::string_view key, const RateLimitItem& rate,
    std::int64_t) const {
  storage::SlidingWindowCounterSupport* sliding = storage.AsSlidingWindowCounter();
  if (sliding == nullptr) co_return storage::StorageErrc::kUnsupported;
  Result<storage::SlidingWindowState> state = co_await sliding->GetSlidingWindow(key, rate.Expiry());
  if (!state) co_return state.error();
  co_return *state;
}

Task<Result<TakeResult>> SlidingWindowCounterStrategy::Take(storage::Storage& storage,
                                                            std::string_view key,
                                                            const RateLimitItem& rate,
                                                            std::int64_t cost) const {
  storage::SlidingWindowCounterSupport* sliding = storage.AsSlidingWindowCounter();
  if (sliding == nullptr) co_return storage::StorageErrc::kUnsupported;
  const Result<bool> taken =
      co_await sliding->AcquireSlidingWindowEntry(key, rate.amount(), rate.Expiry(), cost);
  if (!taken) co_return taken.error();
  Result<storage::WindowState> state = co_await Peek(storage, key, rate, cost);
  if (!state) co_return state.error();
  co_return TakeResult{*taken, *state};
}

Task<Result<void>> SlidingWindowCounterStrategy::Clear(storage::Storage& storage,
                                                       std::string_view key,
                                                       const RateLimitItem& rate) const {
  storage::SlidingWindowCounterSupport* sliding = storage.AsSlidingWindowCounter();
  if (sliding == nullptr) co_return storage::StorageErrc::kUnsupported;
  co_return co_await sliding->ClearSlidingWindow(key, rate.Expiry());
}

}  // namespace limitsd::limits

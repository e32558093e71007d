#include "limits/sliding_window_counter_strategy.h"

namespace limitsd::limits {

Task<Result<storage::WindowState>> SlidingWindowCounterStrategy::Peek(
    storage::Storage& storage, const storage::RateQuery& rate,
    std::int64_t) const {
  storage::SlidingWindowCounterSupport* sliding = storage.AsSlidingWindowCounter();
  if (sliding == nullptr) co_return storage::StorageErrc::kUnsupported;
  Result<storage::SlidingWindowState> state = co_await sliding->GetSlidingWindow(rate.key, rate.expiry);
  if (!state) co_return state.error();
  co_return *state;
}

Task<Result<TakeResult>> SlidingWindowCounterStrategy::Take(storage::Storage& storage, const storage::RateQuery& rate,
                                                            std::int64_t cost) const {
  storage::SlidingWindowCounterSupport* sliding = storage.AsSlidingWindowCounter();
  if (sliding == nullptr) co_return storage::StorageErrc::kUnsupported;
  const Result<bool> taken =
      co_await sliding->AcquireSlidingWindowEntry(rate.key, rate.limit, rate.expiry, cost);
  if (!taken) co_return taken.error();
  Result<storage::WindowState> state = co_await Peek(storage, rate, cost);
  if (!state) co_return state.error();
  co_return TakeResult{*taken, *state};
}

Task<Result<void>> SlidingWindowCounterStrategy::Clear(storage::Storage& storage, const storage::RateQuery& rate) const {
  storage::SlidingWindowCounterSupport* sliding = storage.AsSlidingWindowCounter();
  if (sliding == nullptr) co_return storage::StorageErrc::kUnsupported;
  co_return co_await sliding->ClearSlidingWindow(rate.key, rate.expiry);
}

}  // namespace limitsd::limits

#include "limits/moving_window_strategy.h"

namespace limitsd::limits {
namespace {

storage::MovingWindowSupport* Support(storage::Storage& storage) {
  return storage.AsMovingWindow();
}

}  // namespace

Task<Result<storage::WindowState>> MovingWindowStrategy::Peek(storage::Storage& storage, const storage::RateQuery& rate,
                                                              std::int64_t cost) const {
  storage::MovingWindowSupport* moving = Support(storage);
  if (moving == nullptr) co_return storage::StorageErrc::kUnsupported;
  Result<storage::MovingWindowState> state =
      co_await moving->GetMovingWindow(rate.key, rate.limit, rate.expiry, cost);
  if (!state) co_return state.error();
  co_return *state;
}

Task<Result<TakeResult>> MovingWindowStrategy::Take(storage::Storage& storage, const storage::RateQuery& rate,
                                                    std::int64_t cost) const {
  storage::MovingWindowSupport* moving = Support(storage);
  if (moving == nullptr) co_return storage::StorageErrc::kUnsupported;
  const Result<bool> taken = co_await moving->AcquireEntry(rate.key, rate.limit, rate.expiry, cost);
  if (!taken) co_return taken.error();
  Result<storage::WindowState> state = co_await Peek(storage, rate, cost);
  if (!state) co_return state.error();
  co_return TakeResult{*taken, *state};
}

Task<Result<void>> MovingWindowStrategy::Clear(storage::Storage& storage, const storage::RateQuery& rate) const {
  co_return co_await storage.Clear(rate.key);
}

}  // namespace limitsd::limits

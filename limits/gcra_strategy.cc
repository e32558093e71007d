#include "limits/gcra_strategy.h"

namespace limitsd::limits {

Task<Result<storage::WindowState>> GcraStrategy::Peek(storage::Storage& storage,
                                                      const storage::RateQuery& rate,
                                                      std::int64_t) const {
  storage::GcraSupport* gcra = storage.AsGcra();
  if (gcra == nullptr) co_return storage::StorageErrc::kUnsupported;
  Result<storage::GcraState> state = co_await gcra->GetGcra(rate.key);
  if (!state) co_return state.error();
  co_return *state;
}

Task<Result<TakeResult>> GcraStrategy::Take(storage::Storage& storage,
                                            const storage::RateQuery& rate,
                                            std::int64_t cost) const {
  storage::GcraSupport* gcra = storage.AsGcra();
  if (gcra == nullptr) co_return storage::StorageErrc::kUnsupported;
  const Result<bool> taken = co_await gcra->AcquireGcra(rate.key, rate.limit, rate.interval, cost);
  if (!taken) co_return taken.error();
  Result<storage::WindowState> state = co_await Peek(storage, rate, cost);
  if (!state) co_return state.error();
  co_return TakeResult{*taken, *state};
}

Task<Result<void>> GcraStrategy::Clear(storage::Storage& storage,
                                       const storage::RateQuery& rate) const {
  co_return co_await storage.Clear(rate.key);
}

}  // namespace limitsd::limits

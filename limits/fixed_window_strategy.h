#pragma once

#include "limits/window_strategy.h"

namespace limitsd::limits {

/// The fixed-window strategy over the storage primitives (see window_strategy.h).
class FixedWindowStrategy final : public WindowStrategy {
 public:
  Task<Result<storage::WindowState>> Peek(storage::Storage& storage, const storage::RateQuery& rate,
                                          std::int64_t cost) const override;
  Task<Result<TakeResult>> Take(storage::Storage& storage, const storage::RateQuery& rate, std::int64_t cost) const override;
  Task<Result<void>> Clear(storage::Storage& storage, const storage::RateQuery& rate) const override;
};

}  // namespace limitsd::limits

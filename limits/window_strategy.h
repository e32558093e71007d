#pragma once
// One strategy over a storage's primitives and capability interfaces (the path a custom
// storage without MultiRateSupport gets): peek at a rate's window, or take a cost from it.

#include <cstdint>
#include <memory>
#include <string_view>

#include "storage/capabilities.h"
#include "storage/storage.h"

namespace limitsd::limits {

using storage::Result;
using storage::Task;

struct TakeResult {
  bool taken = false;
  storage::WindowState state;  ///< after the take, or as it is when not taken
};

class WindowStrategy {
 public:
  virtual ~WindowStrategy() = default;
  /// The window's state now, for a request of `cost`.
  virtual Task<Result<storage::WindowState>> Peek(storage::Storage& storage, const storage::RateQuery& rate,
                                                  std::int64_t cost) const = 0;
  /// Takes `cost` if it fits; never over-admits.
  virtual Task<Result<TakeResult>> Take(storage::Storage& storage, const storage::RateQuery& rate, std::int64_t cost) const = 0;
  /// Forgets the window.
  virtual Task<Result<void>> Clear(storage::Storage& storage, const storage::RateQuery& rate) const = 0;
};

/// The strategy object for `kind` (a process-wide singleton; strategies hold no state).
const WindowStrategy& StrategyFor(storage::StrategyKind kind) noexcept;

}  // namespace limitsd::limits

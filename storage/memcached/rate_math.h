#pragma once
// The strategies' definitions (strategy/) applied to a decoded LimitItem, at a given store
// time (microseconds). Pure functions: the storage reads an item, applies these, checks
// strategy::Fits, and writes it back with cas.

#include <cstdint>
#include <string_view>

#include "storage/capabilities.h"
#include "storage/memcached/limit_item.h"
#include "storage/window_state.h"

namespace limitsd::storage::memcached {

/// The state of `rate` in `item` at `now`, for a request of `cost` units. A record of another
/// kind (or window) under the same key counts as absent.
WindowState StateOf(const LimitItem& item, const RateQuery& rate, std::int64_t cost,
                    std::int64_t now);

/// Takes `cost` units of `rate` at `now`; the caller checked strategy::Fits. Moving windows keep only
/// the newest `limit` units still within the window.
void Take(LimitItem& item, const RateQuery& rate, std::int64_t cost, std::int64_t now);

/// Storage::Incr on a fixed-window record: the new count.
std::int64_t IncrementFixed(LimitItem& item, std::string_view key, std::int64_t expiry,
                            std::int64_t amount, std::int64_t now);
/// Storage::Decr: never below 0; nothing when absent or expired. Whether it changed.
bool DecrementFixed(LimitItem& item, std::string_view key, std::int64_t amount,
                    std::int64_t now);

/// Removes records that no longer hold anything at `now`.
void DropDead(LimitItem& item, std::int64_t now);
/// The store time after which no record of `item` holds anything (0 when empty).
std::int64_t LiveUntil(const LimitItem& item) noexcept;

}  // namespace limitsd::storage::memcached

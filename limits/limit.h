#pragma once
// A limit: a name, a strategy and one or more rates, as configured (`api`) or written inline
// in a request (`moving-window:5/10seconds`).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "limits/rate_limit_item.h"
#include "storage/limit_keys.h"
#include "storage/storage_key.h"
#include "strategy/strategy_kind.h"
#include "strategy/verdict.h"

namespace limitsd::limits {

using strategy::StrategyFromName;
using strategy::StrategyKind;

/// [A-Za-z_][A-Za-z0-9_.-]*
bool IsLimitName(std::string_view token) noexcept;

/// Why `strategy` cannot run `rates` with `burst` (0: none set), or nullopt when it can:
/// gcra needs an emission interval (window / amount) of at least 1 us and a bucket
/// (burst x interval) of at most the longest window; `burst` is for gcra only.
std::optional<std::string> CheckLimit(StrategyKind strategy, const std::vector<RateLimitItem>& rates,
                                      std::int64_t burst);

class Limit {
 public:
  /// `burst` (gcra only; 0: each rate's amount) is the size of the bucket. CheckLimit first.
  Limit(std::string name, StrategyKind strategy, std::vector<RateLimitItem> rates,
        std::int64_t burst = 0);

  const std::string& name() const noexcept { return name_; }
  StrategyKind strategy() const noexcept { return strategy_; }
  const std::vector<RateLimitItem>& rates() const noexcept { return rates_; }
  /// The burst set on the limit, 0 when none.
  std::int64_t burst() const noexcept { return burst_; }
  /// Rate `i` as the strategy's arithmetic sees it: for gcra, the limit is the burst and the
  /// interval is the window / the amount (rounded down).
  const strategy::RateParams& Params(std::size_t i) const noexcept { return params_[i]; }

  /// The storage key of rate `i` for `key`: "{<name> <key>}/<strategy>/<amount>/<multiples>/
  /// <granularity>" (storage/storage_key.h owns the layout and its hash tag). Written at
  /// `out`, which must have room for StorageKeySize(key, i) bytes; returns the end.
  char* WriteStorageKey(std::string_view key, std::size_t i, char* out) const noexcept {
    return storage::WriteStorageKey(name_, key, key_suffixes_[i], out);
  }
  /// The length of rate `i`'s storage key for `key`.
  std::size_t StorageKeySize(std::string_view key, std::size_t i) const noexcept {
    return storage::StorageKeySize(name_, key, key_suffixes_[i]);
  }
  /// The total length of every rate's storage key for `key`.
  std::size_t StorageKeysSize(std::string_view key) const noexcept;
  /// The same keys in hashed form, for a store that takes them so (storage/limit_keys.h).
  const storage::LimitKeys& keys() const noexcept { return keys_; }

  /// "100 per 1 minute; 2000 per 1 hour (sliding-window-counter)"
  std::string Describe() const;

 private:
  std::string name_;
  StrategyKind strategy_;
  std::vector<RateLimitItem> rates_;
  std::int64_t burst_;
  std::vector<strategy::RateParams> params_;
  std::vector<std::string> key_suffixes_;  // "/<strategy>/<rate>" per rate
  storage::LimitKeys keys_;
};

struct InlineLimitResult {
  std::optional<Limit> limit;
  std::string error;  ///< set when the token is an inline limit that does not parse
};

/// Whether `token` is written as an inline limit: it starts with a digit or holds a ':'
/// (a strategy prefix: a configured name never holds one, so an unknown strategy there is
/// a bad rate rather than an unknown limit). `10/day:;5/hour` is two rates, as in limits.
bool LooksInline(std::string_view token) noexcept;

/// Parses `[strategy:]rate[;rate...]`; the strategy defaults to `default_strategy`. An
/// unknown strategy is an error naming it and the ones that exist.
InlineLimitResult ParseInlineLimit(std::string_view token, StrategyKind default_strategy);

}  // namespace limitsd::limits

#pragma once
// The decision engine: HIT / TEST / STATS / RESET of a limit for a key, over one storage.
// Uses the storage's MultiRateSupport when it has it (all rates in one atomic step);
// otherwise each strategy's primitives (rates tested first, then taken in turn).

#include <cstdint>
#include <span>
#include <string_view>

#include "limits/decision.h"
#include "limits/limit.h"
#include "storage/capabilities.h"
#include "storage/pending.h"
#include "storage/storage.h"

namespace limitsd::limits {

using strategy::RateVerdict;
using storage::Result;
using storage::Task;

class RateLimiter {
 public:
  explicit RateLimiter(storage::Storage& storage);

  /// Whether `storage` has the capability `kind` needs.
  static bool Supports(storage::Storage& storage, StrategyKind kind);
  /// The same for this limiter's storage, from the capabilities read once at construction
  /// (Storage::As*() may be a dynamic_cast: not for every request).
  bool Serves(StrategyKind kind) const noexcept;

  /// HIT (kHit) or TEST (kPeek; STATS is kPeek with cost 1): ready at once over a storage
  /// that decides without waiting (ImmediateTakeSupport), otherwise a task to await.
  storage::Pending<Result<Decision>> Decide(const Limit& limit, std::string_view key,
                                            std::int64_t cost, storage::TakeMode mode);

  /// Takes `cost` from every rate of `limit` for `key` if every rate allows it.
  Task<Result<Decision>> Hit(const Limit& limit, std::string_view key, std::int64_t cost);
  /// Whether a hit of `cost` would pass now; takes nothing.
  Task<Result<Decision>> Test(const Limit& limit, std::string_view key, std::int64_t cost);
  /// The window as it is: allowed when a hit of cost 1 would pass now.
  Task<Result<Decision>> Stats(const Limit& limit, std::string_view key);
  /// Forgets every rate's window for `key`.
  Task<Result<void>> Clear(const Limit& limit, std::string_view key);

  /// Whether the storage decides without waiting (ImmediateTakeSupport), so that
  /// DecideNow() can stand in for Hit/Test/Stats.
  bool Immediate() const noexcept { return immediate_ != nullptr; }
  /// Hit (kHit) or Test (kPeek; Stats is kPeek with cost 1) on the calling thread, with no
  /// coroutine; kUnsupported when the storage is not Immediate().
  Result<Decision> DecideNow(const Limit& limit, std::string_view key, std::int64_t cost,
                             storage::TakeMode mode);

  storage::Storage& storage() noexcept { return storage_; }

 private:
  Task<Result<Decision>> Awaited(const Limit& limit, std::string_view key, std::int64_t cost,
                                 storage::TakeMode mode);
  static Result<Decision> Conclude(const Limit& limit,
                                   const Result<storage::TakeOutcome>& outcome,
                                   std::int64_t cost, storage::TakeMode mode);
  Task<Result<storage::TakeOutcome>> TakeWithPrimitives(const Limit& limit,
                                                        std::span<const storage::RateQuery> rates,
                                                        std::int64_t cost,
                                                        storage::TakeMode mode);

  storage::Storage& storage_;
  storage::MultiRateSupport* multi_rate_;
  storage::ImmediateTakeSupport* immediate_;
  bool moving_window_;
  bool sliding_window_counter_;
  bool gcra_;
};

/// The binding rate's decision from every rate's verdict (see decision.h).
Decision Combine(const Limit& limit, std::span<const RateVerdict> verdicts, bool allowed);

}  // namespace limitsd::limits

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
#include "storage/storage_registry.h"

namespace limitsd::storage {
class KeyedTakeSupport;
struct KeyLocation;
}  // namespace limitsd::storage

namespace limitsd::limits {

using strategy::RateVerdict;
using storage::Result;
using storage::Task;

class RateLimiter {
 public:
  explicit RateLimiter(storage::Storage& storage);

  /// Whether this limiter's storage serves `kind` (Capabilities::Supports, the one answer to
  /// that question), from the capabilities read once at construction (Storage::As*() may
  /// be a dynamic_cast: not for every request).
  bool Serves(StrategyKind kind) const noexcept { return capabilities_.Supports(kind); }

  /// The one way to decide. HIT is kHit: takes `cost` from every rate of `limit` for `key`
  /// if every rate allows it. TEST is kPeek: whether a hit of `cost` would pass now, taking
  /// nothing; STATS is kPeek with cost 1. Ready at once over a storage that decides without
  /// waiting (ImmediateTakeSupport: memory://), with no coroutine; otherwise a task to await.
  /// `at`, when not null, is what the Prefetch of the same request filled, read during the
  /// call only: a store that takes keyed calls (KeyedTakeSupport) may then skip finding the
  /// key; any other ignores it, and so does every store for a location that is not its own
  /// for this limit and this view of the key (storage::KeyLocation).
  storage::Pending<Result<Decision>> Decide(const Limit& limit, std::string_view key,
                                            std::int64_t cost, storage::TakeMode mode,
                                            const storage::KeyLocation* at = nullptr);
  /// Starts loading into the CPU's caches what a Decide of `limit` for `key` will read, when
  /// the storage decides without waiting (ImmediateTakeSupport::Prefetch); otherwise does
  /// nothing. For a batch of requests: prefetch them all, then decide them in turn. `at`,
  /// when not null, is an empty location that a keyed store may fill (where it found the
  /// key), for the Decide of the same request; otherwise it stays empty.
  void Prefetch(const Limit& limit, std::string_view key,
                storage::KeyLocation* at = nullptr) const noexcept;
  /// Gives back `cost` taken by an earlier Hit of `limit` for `key`, while its windows last:
  /// fixed windows only (a counter can be decremented; a moving window's entries and a
  /// sliding window's buckets cannot be told apart from others' hits), kUnsupported
  /// otherwise. A window that ended since the hit is left as it is.
  Task<Result<void>> GiveBack(const Limit& limit, std::string_view key, std::int64_t cost);
  /// Forgets every rate's window for `key`.
  Task<Result<void>> Clear(const Limit& limit, std::string_view key);

  storage::Storage& storage() noexcept { return storage_; }

 private:
  /// Decide over ImmediateTakeSupport, on the calling thread.
  Result<Decision> DecideImmediately(const Limit& limit, std::string_view key, std::int64_t cost,
                                     storage::TakeMode mode, const storage::KeyLocation* at);
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
  /// The immediate take of a limit's keys in hashed form, when the storage has it: no key
  /// is written.
  storage::KeyedTakeSupport* keyed_;
  storage::Capabilities capabilities_;
};

/// The binding rate's decision from every rate's verdict (see decision.h).
Decision Combine(const Limit& limit, std::span<const RateVerdict> verdicts, bool allowed);
/// The decision whose binding rate is rate `binding` of `limit`, with verdict `v`. Inline:
/// built in place in its caller (out of line, the 48-byte result went through the stack
/// and was read back with a stalled load).
inline Decision DecisionOf(const Limit& limit, std::size_t binding, const RateVerdict& v,
                           bool allowed) noexcept {
  Decision d;
  d.allowed = allowed;
  d.binding = binding;
  d.limit = limit.Params(binding).limit;
  d.remaining = v.remaining;
  d.reset_ms = v.reset_ms;
  d.retry_ms = allowed ? 0 : (v.retry_ms == 0 ? 1 : v.retry_ms);
  return d;
}

}  // namespace limitsd::limits

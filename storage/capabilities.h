#pragma once
// Optional capabilities of an asynchronous storage, the counterparts of `limits`'
// MovingWindowSupport and SlidingWindowCounterSupport, plus the atomic multi-rate take.

#include <cstdint>
#include <span>
#include <string_view>

#include <boost/container/small_vector.hpp>

#include "storage/result.h"
#include "storage/window_state.h"
#include "strategy/verdict.h"

namespace limitsd::storage {

/// Moving window: a log of (time, count) runs per key, trimmed to the limit.
class MovingWindowSupport {
 public:
  virtual ~MovingWindowSupport() = default;
  /// Takes `amount` units at now if the window holds at most `limit - amount` units taken
  /// within the last `expiry`; returns whether it did. `amount > limit` is false.
  virtual Task<Result<bool>> AcquireEntry(std::string_view key, std::int64_t limit, Micros expiry,
                                          std::int64_t amount) = 0;
  /// The window's state now; `blocking_age` is computed for a request of `amount` units.
  virtual Task<Result<MovingWindowState>> GetMovingWindow(std::string_view key,
                                                          std::int64_t limit, Micros expiry,
                                                          std::int64_t amount) = 0;
};

/// Sliding window counter over buckets aligned to Unix time: bucket = floor(now / expiry).
class SlidingWindowCounterSupport {
 public:
  virtual ~SlidingWindowCounterSupport() = default;
  /// Adds `amount` to the current bucket if
  /// floor(previous * (E - elapsed) / E) + current + amount <= limit; returns whether it did.
  virtual Task<Result<bool>> AcquireSlidingWindowEntry(std::string_view key, std::int64_t limit,
                                                       Micros expiry, std::int64_t amount) = 0;
  virtual Task<Result<SlidingWindowState>> GetSlidingWindow(std::string_view key,
                                                            Micros expiry) = 0;
  virtual Task<Result<void>> ClearSlidingWindow(std::string_view key, Micros expiry) = 0;
};

/// GCRA: one theoretical arrival time per key (strategy/gcra.h holds the arithmetic).
class GcraSupport {
 public:
  virtual ~GcraSupport() = default;
  /// Takes `amount` units if they fit a bucket of `burst` units that gets one back every
  /// `interval`; returns whether it did. `amount > burst` is false.
  virtual Task<Result<bool>> AcquireGcra(std::string_view key, std::int64_t burst,
                                         Micros interval, std::int64_t amount) = 0;
  /// The bucket now (Storage::Clear forgets it).
  virtual Task<Result<GcraState>> GetGcra(std::string_view key) = 0;
};

/// One rate of a multi-rate request.
struct RateQuery {
  std::string_view key;  ///< the storage key of this rate (limit, key, strategy, rate)
  StrategyKind strategy;
  std::int64_t limit;    ///< the rate's amount; for gcra the burst
  Micros expiry;         ///< the rate's window; for gcra the period of the rate
  Micros interval{0};    ///< gcra only: the emission interval (at least 1 us)

  /// The numbers the strategies' arithmetic (strategy/verdict.h) needs.
  strategy::RateParams params() const noexcept { return {limit, expiry, interval}; }
};

enum class TakeMode : std::uint8_t {
  kHit,   ///< take `cost` from every rate if every rate allows it, otherwise from none
  kPeek,  ///< take nothing, report the states
};

struct TakeOutcome {
  bool taken = false;  ///< kHit: whether the cost was taken; kPeek: false
  /// One state per rate, in the order asked: after the take when taken, otherwise as they
  /// are now. MovingWindowState::blocking_age is computed for the cost asked.
  boost::container::small_vector<WindowState, 2> states;
};

/// "Take these rates for this key, or none": all rates of one request in one atomic step
/// (one Redis script, one memory-shard lock, one memcached CAS item). All keys of one call
/// share their hash tag (the part between the first '{' and the next '}').
class MultiRateSupport {
 public:
  virtual ~MultiRateSupport() = default;
  virtual Task<Result<TakeOutcome>> TakeAll(std::span<const RateQuery> rates, std::int64_t cost,
                                            TakeMode mode) = 0;
};

/// The multi-rate take of an in-process store, which never waits on I/O: it completes on
/// the caller's thread before returning, so a caller can skip the coroutine machinery
/// (frames, resumptions) that an awaited call costs. Same contract as TakeAll.
class ImmediateTakeSupport {
 public:
  virtual ~ImmediateTakeSupport() = default;
  virtual Result<TakeOutcome> TakeAllImmediately(std::span<const RateQuery> rates,
                                                 std::int64_t cost, TakeMode mode) noexcept = 0;
  /// Starts loading into the CPU's caches what a TakeAllImmediately of `rates` soon after
  /// will read, so that the requests of one batch, prefetched first and decided after,
  /// overlap their cache misses. Changes nothing; by default it does nothing.
  virtual void Prefetch(std::span<const RateQuery> rates) const noexcept { (void)rates; }
};

}  // namespace limitsd::storage

#pragma once
// The asynchronous storage interface: the primitives every storage has, awaited on the
// daemon's event loop. A backend subclasses Storage and, optionally, the capability
// interfaces of capabilities.h; the capabilities it implements decide which strategies it
// can serve.

#include <cstdint>
#include <string>
#include <string_view>

#include "storage/result.h"

namespace limitsd::storage {

class MovingWindowSupport;
class SlidingWindowCounterSupport;
class GcraSupport;
class MultiRateSupport;
class ImmediateTakeSupport;

/// Base of every storage, the counterpart of `limits.aio.storage.Storage`.
///
/// Keys are opaque byte strings without spaces or control characters. Each call completes
/// on the executor it was awaited from. Calls never throw on the data path: failures come
/// back as an error code (StorageErrc). Times are relative to the store's own clock.
class Storage {
 public:
  virtual ~Storage() = default;

  /// Adds `amount` to the counter at `key` and returns the new value. Creates the counter
  /// with a time to live of `expiry` when it is absent or expired; later increments do not
  /// extend it.
  virtual Task<Result<std::int64_t>> Incr(std::string_view key, Micros expiry,
                                          std::int64_t amount) = 0;
  /// Takes `amount` back from the counter at `key` (never below 0; no-op when absent).
  virtual Task<Result<void>> Decr(std::string_view key, std::int64_t amount) = 0;
  /// The counter at `key`, 0 when absent or expired.
  virtual Task<Result<std::int64_t>> Get(std::string_view key) = 0;
  /// Time until the counter at `key` expires, 0 when absent.
  virtual Task<Result<Micros>> GetExpiry(std::string_view key) = 0;
  /// Deletes the value at `key` (whatever strategy stored it).
  virtual Task<Result<void>> Clear(std::string_view key) = 0;
  /// Health check: true when the backend answers.
  virtual Task<bool> Check() = 0;

  /// The capability interfaces this storage implements, or nullptr.
  virtual MovingWindowSupport* AsMovingWindow() noexcept;
  virtual SlidingWindowCounterSupport* AsSlidingWindowCounter() noexcept;
  virtual GcraSupport* AsGcra() noexcept;
  virtual MultiRateSupport* AsMultiRate() noexcept;
  virtual ImmediateTakeSupport* AsImmediateTake() noexcept;

  /// A one-line description for logs: the scheme and locations, never a secret.
  virtual std::string Describe() const = 0;
  /// HITs denied so far from this daemon's memory of recent denials, without asking the
  /// backend (the redis family's deny cache); 0 for a storage without one. Callable from any
  /// thread (the daemon's metrics).
  virtual std::uint64_t DenyCacheHits() const;
  /// Appends the storage's own series, in the Prometheus text format, to a scrape of the
  /// daemon's metrics (the memory store's entries and bound); nothing by default. Callable
  /// from any thread.
  virtual void RenderMetrics(std::string& out) const;
};

}  // namespace limitsd::storage

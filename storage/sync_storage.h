#pragma once
// The synchronous storage interface, the counterpart of `limits.storage.Storage`: for
// simple custom backends whose calls block. The daemon runs them on a bounded thread pool
// of their own (SyncStorageRunner), never on an I/O thread. Same contracts as storage.h.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "storage/capabilities.h"
#include "storage/result.h"
#include "storage/window_state.h"

namespace limitsd::storage {

class SyncStorage {
 public:
  virtual ~SyncStorage() = default;
  virtual Result<std::int64_t> Incr(std::string_view key, Micros expiry, std::int64_t amount) = 0;
  virtual Result<void> Decr(std::string_view key, std::int64_t amount) = 0;
  virtual Result<std::int64_t> Get(std::string_view key) = 0;
  virtual Result<Micros> GetExpiry(std::string_view key) = 0;
  virtual Result<void> Clear(std::string_view key) = 0;
  virtual bool Check() = 0;
  virtual std::string Describe() const = 0;
};

class SyncMovingWindowSupport {
 public:
  virtual ~SyncMovingWindowSupport() = default;
  virtual Result<bool> AcquireEntry(std::string_view key, std::int64_t limit, Micros expiry,
                                    std::int64_t amount) = 0;
  virtual Result<MovingWindowState> GetMovingWindow(std::string_view key, std::int64_t limit,
                                                    Micros expiry, std::int64_t amount) = 0;
};

class SyncSlidingWindowCounterSupport {
 public:
  virtual ~SyncSlidingWindowCounterSupport() = default;
  virtual Result<bool> AcquireSlidingWindowEntry(std::string_view key, std::int64_t limit,
                                                 Micros expiry, std::int64_t amount) = 0;
  virtual Result<SlidingWindowState> GetSlidingWindow(std::string_view key, Micros expiry) = 0;
  virtual Result<void> ClearSlidingWindow(std::string_view key, Micros expiry) = 0;
};

class SyncGcraSupport {
 public:
  virtual ~SyncGcraSupport() = default;
  virtual Result<bool> AcquireGcra(std::string_view key, std::int64_t burst, Micros interval,
                                   std::int64_t amount) = 0;
  virtual Result<GcraState> GetGcra(std::string_view key) = 0;
};

class SyncMultiRateSupport {
 public:
  virtual ~SyncMultiRateSupport() = default;
  virtual Result<TakeOutcome> TakeAll(std::span<const RateQuery> rates, std::int64_t cost,
                                      TakeMode mode) = 0;
};

}  // namespace limitsd::storage

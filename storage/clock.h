#pragma once
// Time source of a store. Real time is Unix time in microseconds, so that sliding-window
// buckets (floor(now / E)) line up across daemons and backends. Tests inject ManualClock.

#include <atomic>
#include <chrono>
#include <cstdint>

#include "storage/result.h"

namespace limitsd::storage {

class Clock {
 public:
  virtual ~Clock() = default;
  /// Microseconds since the Unix epoch. May go backwards (NTP steps); stores keep their
  /// own "now" monotonic on top of it.
  virtual Micros Now() const noexcept = 0;
};

class SystemClock final : public Clock {
 public:
  Micros Now() const noexcept override {
    return std::chrono::duration_cast<Micros>(
        std::chrono::system_clock::now().time_since_epoch());
  }
};

/// A clock that moves only when told to; thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Micros start = Micros{1'700'000'000'000'000}) : now_(start.count()) {}
  Micros Now() const noexcept override { return Micros{now_.load(std::memory_order_relaxed)}; }
  void Set(Micros t) noexcept { now_.store(t.count(), std::memory_order_relaxed); }
  void Advance(Micros d) noexcept { now_.fetch_add(d.count(), std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> now_;
};

}  // namespace limitsd::storage

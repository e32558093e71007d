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

/// Requests that arrived together (one read from one socket) are decided at one instant:
/// while a ClockBatch is open on a thread, SystemClock::Now() on that thread reads the
/// system clock at its first call only and returns that time until the batch closes or is
/// refreshed. A clock read costs tens of nanoseconds on a VM, as much as the rest of a
/// memory:// decision. Stores keep their own now monotonic on top, as with any clock.
/// A batch belongs to one stretch of code on one thread: close it before a coroutine
/// suspends, since the thread serves other connections meanwhile.
class ClockBatch {
 public:
  ClockBatch() noexcept : outer_(state_) { state_ = kOpen; }
  ~ClockBatch() { state_ = outer_; }
  ClockBatch(const ClockBatch&) = delete;
  ClockBatch& operator=(const ClockBatch&) = delete;

  /// Lets the next Now() read the clock again (a long batch does not drift far).
  static void Refresh() noexcept {
    if (state_ != kClosed) state_ = kOpen;
  }

 private:
  friend class SystemClock;
  static constexpr std::int64_t kClosed = -1;  ///< no batch: every Now() reads the clock
  static constexpr std::int64_t kOpen = 0;     ///< open, the time not read yet
  // Otherwise the batch's time in microseconds since the epoch.
  static inline thread_local std::int64_t state_ = kClosed;
  std::int64_t outer_;
};

class SystemClock final : public Clock {
 public:
  Micros Now() const noexcept override {
    std::int64_t& batch = ClockBatch::state_;
    if (batch > ClockBatch::kOpen) return Micros{batch};
    const Micros now = Read();
    if (batch == ClockBatch::kOpen) batch = now.count();
    return now;
  }

 private:
  static Micros Read() noexcept {
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

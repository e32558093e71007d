#pragma once
// Stops sending work to a storage that keeps failing. Closed, it lets every call through
// and counts consecutive failures (errors and timeouts); after kFailuresToOpen of them it
// opens: calls are refused at once (the request is answered by storage.on_error) for
// kOpenFor. Then it is half-open: one call goes through as a probe while the others are
// still refused; the probe's success closes it, its failure opens it again.
// One per I/O thread (no locks); times are passed in, so tests need no sleeping.

#include <chrono>
#include <cstdint>

namespace limitsd::server {

class CircuitBreaker {
 public:
  using Clock = std::chrono::steady_clock;
  enum class State : std::uint8_t { kClosed, kOpen, kHalfOpen };

  static constexpr int kFailuresToOpen = 5;
  static constexpr std::chrono::milliseconds kOpenFor{500};

  /// Whether a call may go to the storage now. When it returns true the caller must
  /// report the call's outcome with Succeeded or Failed.
  bool Allow(Clock::time_point now) noexcept;
  void Succeeded() noexcept;
  void Failed(Clock::time_point now) noexcept;

  State state() const noexcept { return state_; }
  /// kOpen or kHalfOpen: calls are being refused.
  bool open() const noexcept { return state_ != State::kClosed; }

 private:
  State state_ = State::kClosed;
  int failures_ = 0;
  bool probing_ = false;
  Clock::time_point reopen_at_{};
};

}  // namespace limitsd::server

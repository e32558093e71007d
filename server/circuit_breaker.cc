#include "server/circuit_breaker.h"

namespace limitsd::server {

bool CircuitBreaker::Allow(Clock::time_point now) noexcept {
  switch (state_) {
    case State::kClosed: return true;
    case State::kOpen:
      if (now < reopen_at_) return false;
      state_ = State::kHalfOpen;
      probing_ = true;
      return true;
    case State::kHalfOpen:
      if (probing_) return false;
      probing_ = true;
      return true;
  }
  return true;
}

void CircuitBreaker::Succeeded() noexcept {
  state_ = State::kClosed;
  failures_ = 0;
  probing_ = false;
}

void CircuitBreaker::Failed(Clock::time_point now) noexcept {
  // Calls let through while closed may finish after the breaker opened: they change
  // nothing then. A failed probe opens it again.
  if (state_ == State::kOpen) return;
  if (state_ == State::kClosed && ++failures_ < kFailuresToOpen) return;
  state_ = State::kOpen;
  failures_ = 0;
  probing_ = false;
  reopen_at_ = now + kOpenFor;
}

}  // namespace limitsd::server

#pragma once
// One rate: `amount` per `multiples` × granularity, e.g. 5 per 10 second.

#include <cstdint>
#include <string>

#include "limits/clock.h"
#include "limits/granularity.h"

namespace limitsd::limits {

inline constexpr std::int64_t kMaxAmount = 1'000'000'000;
/// The longest window: ten of limits' years (10 × 360 days).
inline constexpr std::int64_t kMaxWindowSeconds = 10LL * 12 * 30 * 86400;

class RateLimitItem {
 public:
  /// `multiples` 0 means 1 (the parser refuses a written 0). Bounds are the parser's job.
  RateLimitItem(std::int64_t amount, std::int64_t multiples, const Granularity& granularity);

  std::int64_t amount() const noexcept { return amount_; }
  std::int64_t multiples() const noexcept { return multiples_; }
  const Granularity& granularity() const noexcept { return *granularity_; }
  /// The window length in seconds: granularity × multiples (limits' get_expiry()).
  std::int64_t ExpirySeconds() const noexcept { return granularity_->seconds * multiples_; }
  Micros Expiry() const noexcept { return Micros{ExpirySeconds() * 1'000'000}; }

  /// "<amount>/<multiples>/<granularity>", the rate's part of a storage key.
  std::string KeySuffix() const;
  /// "5 per 10 second", as limits prints it.
  std::string ToString() const;

  friend bool operator==(const RateLimitItem& a, const RateLimitItem& b) noexcept {
    return a.amount_ == b.amount_ && a.multiples_ == b.multiples_ &&
           a.granularity_->seconds == b.granularity_->seconds;
  }

 private:
  std::int64_t amount_;
  std::int64_t multiples_;
  const Granularity* granularity_;
};

}  // namespace limitsd::limits

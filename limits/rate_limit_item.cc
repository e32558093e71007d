#include "limits/rate_limit_item.h"

namespace limitsd::limits {

RateLimitItem::RateLimitItem(std::int64_t amount, std::int64_t multiples,
                             const Granularity& granularity)
    : amount_(amount), multiples_(multiples == 0 ? 1 : multiples), granularity_(&granularity) {}

std::string RateLimitItem::KeySuffix() const {
  return std::to_string(amount_) + "/" + std::to_string(multiples_) + "/" +
         std::string(granularity_->name);
}

std::string RateLimitItem::ToString() const {
  return std::to_string(amount_) + " per " + std::to_string(multiples_) + " " +
         std::string(granularity_->name);
}

}  // namespace limitsd::limits

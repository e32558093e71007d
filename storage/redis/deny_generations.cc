#include "storage/redis/deny_generations.h"

#include <functional>

namespace limitsd::storage::redis {

std::size_t DenyGenerations::BucketOf(std::string_view key) noexcept {
  return std::hash<std::string_view>{}(key) % kBuckets;
}

std::uint64_t DenyGenerations::Stamp(std::span<const RateQuery> rates) const noexcept {
  std::uint64_t stamp = 0;
  for (const RateQuery& rate : rates) stamp += buckets_[BucketOf(rate.key)].load();
  return stamp;
}

void DenyGenerations::BumpKey(std::string_view key) noexcept {
  buckets_[BucketOf(key)].fetch_add(1);
}

void DenyGenerations::BumpRates(std::span<const RateQuery> rates) noexcept {
  for (const RateQuery& rate : rates) BumpKey(rate.key);
}

}  // namespace limitsd::storage::redis

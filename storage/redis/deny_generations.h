#pragma once
// Invalidation counters for the per-thread denial caches (deny_cache.h), shared by every
// I/O thread of one RedisStorage.
//
// Each key hashes to one of kBuckets counters; a take that fitted (or may have), Clear() or
// Decr() of a key bumps its counter once its command has run. A
// request reads its Stamp() before it is sent; a denial remembered under that stamp is good
// only while the stamp is unchanged. Every counter only grows, so a sum that did not change
// means none of its counters did. A bump that is visible before a request's stamp is read
// came after the command that cleared Redis, so that request read the cleared data; one that
// is not yet visible changes the stamp later and so drops the entry then.
//
// Lock-free and thread-safe; written by takes that reached Redis and by administrative
// calls, read by denied keys.

#include <array>
#include <atomic>
#include <cstdint>
#include <span>
#include <string_view>

#include "storage/capabilities.h"

namespace limitsd::storage::redis {

class DenyGenerations {
 public:
  static constexpr std::size_t kBuckets = 1024;

  /// The sum of the counters of every rate's key.
  std::uint64_t Stamp(std::span<const RateQuery> rates) const noexcept;
  /// After a command that may have lowered `key`'s count (DEL, DECRBY).
  void BumpKey(std::string_view key) noexcept;
  /// After a take on `rates` that may have raised their counts.
  void BumpRates(std::span<const RateQuery> rates) noexcept;

 private:
  static std::size_t BucketOf(std::string_view key) noexcept;

  std::array<std::atomic<std::uint64_t>, kBuckets> buckets_{};
};

}  // namespace limitsd::storage::redis

#include "bench/latency_histogram.h"

#include <bit>

namespace limitsd::bench {

// Values below kSub map to themselves; above, the power of two selects a block of kSub
// buckets and the next kSubBits bits below the leading one select the bucket.
int LatencyHistogram::IndexOf(std::uint64_t nanos) noexcept {
  if (nanos < kSub) return static_cast<int>(nanos);
  const int msb = 63 - std::countl_zero(nanos);
  const int shift = msb - kSubBits;
  return (shift + 1) * kSub + static_cast<int>((nanos >> shift) & (kSub - 1));
}

std::uint64_t LatencyHistogram::LowerBound(int index) noexcept {
  if (index < kSub) return static_cast<std::uint64_t>(index);
  const int shift = index / kSub - 1;
  return (static_cast<std::uint64_t>(kSub + index % kSub)) << shift;
}

void LatencyHistogram::Record(std::uint64_t nanos, std::uint64_t count) noexcept {
  counts_[IndexOf(nanos)] += count;
  total_ += count;
}

void LatencyHistogram::Merge(const LatencyHistogram& other) noexcept {
  for (int i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
  total_ += other.total_;
}

std::uint64_t LatencyHistogram::Quantile(double q) const noexcept {
  if (total_ == 0) return 0;
  const auto rank = static_cast<std::uint64_t>(q * static_cast<double>(total_ - 1)) + 1;
  std::uint64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      const std::uint64_t low = LowerBound(i);
      const std::uint64_t high = i + 1 < kBuckets ? LowerBound(i + 1) : low;
      return low + (high - low) / 2;
    }
  }
  return LowerBound(kBuckets - 1);
}

}  // namespace limitsd::bench

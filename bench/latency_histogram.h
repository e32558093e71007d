#pragma once
// A log-linear latency histogram (HdrHistogram's layout, simplified): 32 linear sub-buckets
// per power of two, so a recorded value is known within about 3%, in a fixed 16 KiB whatever
// the number of samples. Not thread-safe: one per load thread, merged at the end.

#include <array>
#include <cstdint>

namespace limitsd::bench {

class LatencyHistogram {
 public:
  /// Records `count` samples of `nanos`.
  void Record(std::uint64_t nanos, std::uint64_t count = 1) noexcept;
  void Merge(const LatencyHistogram& other) noexcept;

  std::uint64_t Count() const noexcept { return total_; }
  /// The value at quantile `q` (0..1), the midpoint of its bucket; 0 when empty.
  std::uint64_t Quantile(double q) const noexcept;

 private:
  static constexpr int kSubBits = 5;
  static constexpr int kSub = 1 << kSubBits;
  static constexpr int kBuckets = (64 - kSubBits + 1) * kSub;

  static int IndexOf(std::uint64_t nanos) noexcept;
  static std::uint64_t LowerBound(int index) noexcept;

  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t total_ = 0;
};

}  // namespace limitsd::bench

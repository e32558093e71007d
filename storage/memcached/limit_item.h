#pragma once
// The value of one memcached item: every rate of one limit and key, with the window times
// that memcached cannot keep for us (its TTLs tick in whole seconds and have no shared
// clock). Times are microseconds of limitsd's store clock.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace limitsd::storage::memcached {

/// A fixed window's counter; the window ends at `expires_at`.
struct FixedRecord {
  std::int64_t count = 0;
  std::int64_t expires_at = 0;
  friend bool operator==(const FixedRecord&, const FixedRecord&) = default;
};

/// `count` units taken at `time`.
struct Run {
  std::int64_t time = 0;
  std::int64_t count = 0;
  friend bool operator==(const Run&, const Run&) = default;
};

/// A moving window of length `window`: runs newest first, strictly decreasing times.
struct MovingRecord {
  std::int64_t window = 0;
  std::vector<Run> runs;
  friend bool operator==(const MovingRecord&, const MovingRecord&) = default;
};

/// A sliding window counter: `current` units in bucket `bucket` (= floor(t / window)) and
/// `previous` units in the bucket before it.
struct SlidingRecord {
  std::int64_t window = 0;
  std::int64_t bucket = 0;
  std::int64_t previous = 0;
  std::int64_t current = 0;
  friend bool operator==(const SlidingRecord&, const SlidingRecord&) = default;
};

/// GCRA: the theoretical arrival time; the bucket is full once it passed.
struct GcraRecord {
  std::int64_t tat = 0;
  friend bool operator==(const GcraRecord&, const GcraRecord&) = default;
};

struct RateRecord {
  std::string key;  ///< the full storage key of the rate
  std::variant<FixedRecord, MovingRecord, SlidingRecord, GcraRecord> data;
  friend bool operator==(const RateRecord&, const RateRecord&) = default;
};

/// The rates of one item, in a compact binary form: a version byte, then per rate its key,
/// kind and fields as LEB128 varints (times zigzag-encoded, moving-window runs delta-coded
/// newest first).
class LimitItem {
 public:
  std::vector<RateRecord> rates;

  RateRecord* Find(std::string_view key) noexcept;
  const RateRecord* Find(std::string_view key) const noexcept;
  /// The record of `key`, added (holding `fresh`) when absent.
  RateRecord& FindOrAdd(std::string_view key, const RateRecord& fresh);
  /// Removes `key`; whether it was there.
  bool Remove(std::string_view key);

  std::string Encode() const;
  /// nullopt when `bytes` is not a value this class wrote.
  static std::optional<LimitItem> Decode(std::string_view bytes);

  friend bool operator==(const LimitItem&, const LimitItem&) = default;
};

/// An upper bound of the bytes a moving window of `amount` units over `window` microseconds
/// takes in an item, key excluded: at most `amount` runs, each a time delta below `window`
/// and a count (varint(c) <= c bytes).
std::int64_t MovingWindowWorstBytes(std::int64_t amount, std::int64_t window) noexcept;

}  // namespace limitsd::storage::memcached

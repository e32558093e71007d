// Conformance cases of SlidingWindowCounterSupport: buckets aligned to Unix time
// (bucket = floor(now / E)), weighted count floor(previous * (E - elapsed) / E) + current.

#include <chrono>
#include <string>

#include "tests/storage/conformance/storage_conformance.h"

namespace limitsd::storage::conformance {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Reference §7 case 18 (10 per 2 seconds), in an aligned bucket.
TEST_P(StorageConformance, SlidingWindowAcquireAndGet) {
  LIMITSD_REQUIRE_CAPABILITY(sliding_window_counter);
  const std::string key = Key("k");
  const Micros window = seconds(2);
  EXPECT_FALSE(SlidingAcquire(key, 10, window, 11));
  ToNextBucket(window, milliseconds(100));
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(SlidingAcquire(key, 10, window, 1)) << i;
  EXPECT_FALSE(SlidingAcquire(key, 10, window, 1));
  const SlidingWindowState state = SlidingState(key, window);
  EXPECT_EQ(state.previous, 0);
  EXPECT_EQ(state.current, 10);
  ExpectAge(state.elapsed, milliseconds(100));
}

TEST_P(StorageConformance, SlidingWindowEmptyState) {
  LIMITSD_REQUIRE_CAPABILITY(sliding_window_counter);
  ToNextBucket(seconds(2), milliseconds(250));
  const SlidingWindowState state = SlidingState(Key("empty"), seconds(2));
  EXPECT_EQ(state.previous, 0);
  EXPECT_EQ(state.current, 0);
  ExpectAge(state.elapsed, milliseconds(250));
}

TEST_P(StorageConformance, SlidingWindowClear) {
  LIMITSD_REQUIRE_CAPABILITY(sliding_window_counter);
  const std::string key = Key("k");
  const Micros window = seconds(60);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(SlidingAcquire(key, 3, window, 1));
  EXPECT_FALSE(SlidingAcquire(key, 3, window, 1));
  ASSERT_TRUE(Run(storage().AsSlidingWindowCounter()->ClearSlidingWindow(key, window)));
  const SlidingWindowState state = SlidingState(key, window);
  EXPECT_EQ(state.previous, 0);
  EXPECT_EQ(state.current, 0);
  EXPECT_TRUE(SlidingAcquire(key, 3, window, 3));
}

// The verified memory case of the reference (5 per 2 s, 3 hits, 0.7 s into the next bucket:
// weighted floor(3 * 1.3 / 2) = 1, so 4 more pass), then the buckets after it.
TEST_P(StorageConformance, SlidingWindowBucketShift) {
  LIMITSD_REQUIRE_CAPABILITY(sliding_window_counter);
  LIMITSD_REQUIRE_MANUAL_CLOCK();
  const std::string key = Key("k");
  const Micros window = seconds(2);
  ToNextBucket(window, Micros{0});
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(SlidingAcquire(key, 5, window, 1));
  ToNextBucket(window, milliseconds(700));
  EXPECT_EQ(SlidingState(key, window), (SlidingWindowState{3, 0, milliseconds(700)}));
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(SlidingAcquire(key, 5, window, 1)) << i;
  EXPECT_FALSE(SlidingAcquire(key, 5, window, 1));
  ToNextBucket(window, Micros{0});
  EXPECT_EQ(SlidingState(key, window), (SlidingWindowState{4, 0, Micros{0}}));
  EXPECT_TRUE(SlidingAcquire(key, 5, window, 1));
  EXPECT_FALSE(SlidingAcquire(key, 5, window, 1));
  ToNextBucket(window, Micros{1});
  EXPECT_EQ(SlidingState(key, window), (SlidingWindowState{1, 0, Micros{1}}));
  ToNextBucket(window, Micros{0});
  EXPECT_EQ(SlidingState(key, window), (SlidingWindowState{0, 0, Micros{0}}));
}

// The same shift on any clock, with a one-second window and wide margins for real sleeps.
TEST_P(StorageConformance, SlidingWindowBucketShiftInRealTime) {
  LIMITSD_REQUIRE_CAPABILITY(sliding_window_counter);
  const std::string key = Key("k");
  const Micros window = seconds(1);
  ToNextBucket(window, milliseconds(50));
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(SlidingAcquire(key, 5, window, 1));
  ToNextBucket(window, milliseconds(100));
  const SlidingWindowState state = SlidingState(key, window);
  EXPECT_EQ(state.previous, 2);
  EXPECT_EQ(state.current, 0);
  // Until 0.5 s into the bucket, floor(2 * (1 - elapsed)) = 1: four more pass.
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(SlidingAcquire(key, 5, window, 1)) << i;
  EXPECT_FALSE(SlidingAcquire(key, 5, window, 1));
}

TEST_P(StorageConformance, SlidingWindowExactAtTheBounds) {
  LIMITSD_REQUIRE_CAPABILITY(sliding_window_counter);
  LIMITSD_REQUIRE_MANUAL_CLOCK();
  const std::string key = Key("k");
  const std::int64_t limit = 1'000'000'000;
  const Micros ten_years = seconds(10LL * 365 * 86400);
  ToNextBucket(ten_years, Micros{0});
  EXPECT_TRUE(SlidingAcquire(key, limit, ten_years, limit));
  EXPECT_FALSE(SlidingAcquire(key, limit, ten_years, 1));
  ToNextBucket(ten_years, ten_years / 2);
  // previous * (E - elapsed) overflows 64 bits: floor(1e9 * (E / 2) / E) = 5e8 exactly.
  EXPECT_EQ(SlidingWeightedCount(SlidingState(key, ten_years), ten_years), limit / 2);
  EXPECT_TRUE(SlidingAcquire(key, limit, ten_years, limit / 2));
  EXPECT_FALSE(SlidingAcquire(key, limit, ten_years, 1));
  Advance(Micros{1});  // the previous bucket's weight drops below 5e8: one unit frees
  EXPECT_TRUE(SlidingAcquire(key, limit, ten_years, 1));
}

}  // namespace
}  // namespace limitsd::storage::conformance

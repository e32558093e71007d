// Conformance cases of MovingWindowSupport (reference §7 cases 14-17 and 21, adapted).

#include <chrono>
#include <string>

#include "tests/storage/conformance/storage_conformance.h"

namespace limitsd::storage::conformance {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;


TEST_P(StorageConformance, MovingWindowAcquireRespectsTheLimitAndTheCost) {
  LIMITSD_REQUIRE_CAPABILITY(moving_window);
  const std::string key = Key("k");
  EXPECT_FALSE(MovingAcquire(key, 10, seconds(10), 11));  // cost above the limit never fits
  EXPECT_EQ(MovingState(key, 10, seconds(10), 1).count, 0);
  EXPECT_TRUE(MovingAcquire(key, 10, seconds(10), 1));
  EXPECT_FALSE(MovingAcquire(key, 10, seconds(10), 10));
  EXPECT_TRUE(MovingAcquire(key, 10, seconds(10), 9));
  EXPECT_FALSE(MovingAcquire(key, 10, seconds(10), 1));
  EXPECT_EQ(MovingState(key, 10, seconds(10), 1).count, 10);
}

TEST_P(StorageConformance, MovingWindowEmptyWindow) {
  LIMITSD_REQUIRE_CAPABILITY(moving_window);
  const MovingWindowState state = MovingState(Key("empty"), 10, seconds(2), 1);
  EXPECT_EQ(state.count, 0);
  EXPECT_EQ(state.blocking_age, Micros{-1});
}

TEST_P(StorageConformance, MovingWindowStateReportsAgesOfTheNewestAndTheBlockingUnit) {
  LIMITSD_REQUIRE_CAPABILITY(moving_window);
  const std::string key = Key("k");
  const Micros window = seconds(10);
  ASSERT_TRUE(MovingAcquire(key, 5, window, 3));
  Advance(seconds(1));
  ASSERT_TRUE(MovingAcquire(key, 5, window, 2));
  // Newest first: 2 units now, then 3 units one second ago.
  MovingWindowState state = MovingState(key, 5, window, 1);
  EXPECT_EQ(state.count, 5);
  ExpectAge(state.newest_age, Micros{0});
  ExpectAge(state.blocking_age, seconds(1));  // index 4: one of the older 3
  state = MovingState(key, 5, window, 3);
  ExpectAge(state.blocking_age, seconds(1));  // index 2: the oldest run's newest unit
  state = MovingState(key, 5, window, 4);
  ExpectAge(state.blocking_age, Micros{0});  // index 1: the newest run
  state = MovingState(key, 6, window, 1);
  EXPECT_EQ(state.blocking_age, Micros{-1});  // 5 + 1 <= 6 fits now
}

TEST_P(StorageConformance, MovingWindowUnitsLeaveTheWindowAfterItsLength) {
  LIMITSD_REQUIRE_CAPABILITY(moving_window);
  const std::string key = Key("k");
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(MovingAcquire(key, 3, seconds(1), 1));
  EXPECT_FALSE(MovingAcquire(key, 3, seconds(1), 1));
  Advance(milliseconds(1100));
  EXPECT_EQ(MovingState(key, 3, seconds(1), 1).count, 0);
  EXPECT_TRUE(MovingAcquire(key, 3, seconds(1), 1));
  EXPECT_EQ(MovingState(key, 3, seconds(1), 1).count, 1);
}

TEST_P(StorageConformance, MovingWindowAUnitCountsUntilExactlyTheWindowLength) {
  LIMITSD_REQUIRE_CAPABILITY(moving_window);
  LIMITSD_REQUIRE_MANUAL_CLOCK();
  const std::string key = Key("k");
  ASSERT_TRUE(MovingAcquire(key, 1, seconds(1), 1));
  Advance(seconds(1));  // a unit taken at t counts while t >= now - E
  EXPECT_EQ(MovingState(key, 1, seconds(1), 1).count, 1);
  EXPECT_FALSE(MovingAcquire(key, 1, seconds(1), 1));
  Advance(Micros{1});
  EXPECT_EQ(MovingState(key, 1, seconds(1), 1).count, 0);
  EXPECT_TRUE(MovingAcquire(key, 1, seconds(1), 1));
}

// Reference §7 case 14: 10 per 2 seconds, 5 hits, then 5 more at 1.3 s, the 11th denied.
TEST_P(StorageConformance, MovingWindowSlidesOverEarlierHits) {
  LIMITSD_REQUIRE_CAPABILITY(moving_window);
  LIMITSD_REQUIRE_MANUAL_CLOCK();
  const std::string key = Key("k");
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(MovingAcquire(key, 10, seconds(2), 1));
  Advance(milliseconds(1300));
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(MovingAcquire(key, 10, seconds(2), 1));
  EXPECT_FALSE(MovingAcquire(key, 10, seconds(2), 1));
  Advance(milliseconds(701));  // the first five left at 2 s
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(MovingAcquire(key, 10, seconds(2), 1));
  EXPECT_FALSE(MovingAcquire(key, 10, seconds(2), 1));
}

// Reference §7 case 15: costs on 10 per 2 seconds.
TEST_P(StorageConformance, MovingWindowCostsAreTakenAsUnits) {
  LIMITSD_REQUIRE_CAPABILITY(moving_window);
  LIMITSD_REQUIRE_MANUAL_CLOCK();
  const Micros window = seconds(2);
  EXPECT_FALSE(MovingAcquire(Key("k1"), 10, window, 11));
  const std::string key = Key("k2");
  EXPECT_TRUE(MovingAcquire(key, 10, window, 5));
  Advance(milliseconds(1800));
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(MovingAcquire(key, 10, window, 1));
  const MovingWindowState state = MovingState(key, 10, window, 2);  // test(cost=2)
  EXPECT_EQ(state.count, 9);
  EXPECT_EQ(state.blocking_age, milliseconds(1800));  // index 8: one of the first five
  EXPECT_FALSE(MovingAcquire(key, 10, window, 2));
  EXPECT_TRUE(MovingAcquire(key, 10, window, 1));
  Advance(milliseconds(201));  // the first five left the window
  EXPECT_EQ(MovingState(key, 10, window, 1).count, 5);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(MovingAcquire(key, 10, window, 1));
  EXPECT_EQ(MovingState(key, 10, window, 1).count, 10);
  EXPECT_FALSE(MovingAcquire(key, 10, window, 2));
}

// Reference §7 case 16.
TEST_P(StorageConformance, MovingWindowADeniedCostTakesNothing) {
  LIMITSD_REQUIRE_CAPABILITY(moving_window);
  const std::string key = Key("k");
  EXPECT_TRUE(MovingAcquire(key, 5, seconds(60), 5));
  EXPECT_FALSE(MovingAcquire(key, 5, seconds(60), 2));
  EXPECT_EQ(MovingState(key, 5, seconds(60), 1).count, 5);
  ASSERT_TRUE(Run(storage().Clear(key)));
  EXPECT_TRUE(MovingAcquire(key, 5, seconds(60), 1));
}

// Reference §7 case 17: huge costs at a limit of 1,000,000.
TEST_P(StorageConformance, MovingWindowHugeCosts) {
  LIMITSD_REQUIRE_CAPABILITY(moving_window);
  const std::string key = Key("k");
  const std::int64_t limit = 1'000'000;
  EXPECT_TRUE(MovingAcquire(key, limit, seconds(60), 1));
  EXPECT_TRUE(MovingAcquire(key, limit, seconds(60), 999'998));
  EXPECT_EQ(MovingState(key, limit, seconds(60), 1).count, 999'999);  // remaining 1
  EXPECT_FALSE(MovingAcquire(key, limit, seconds(60), 2));
  EXPECT_TRUE(MovingAcquire(key, limit, seconds(60), 1));
  const MovingWindowState full = MovingState(key, limit, seconds(60), 999'999);
  EXPECT_EQ(full.count, limit);
  EXPECT_GE(full.blocking_age, Micros{0});
  ASSERT_TRUE(Run(storage().Clear(key)));
  EXPECT_EQ(MovingState(key, limit, seconds(60), 1).count, 0);  // remaining 1,000,000
}

// A hit costs the same whatever its cost (docs/strategies.md): 300 hits of 999,999
// units finish in well under a second on a store of runs, in minutes on a log of units.
TEST_P(StorageConformance, MovingWindowAHugeCostIsCheap) {
  LIMITSD_REQUIRE_CAPABILITY(moving_window);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 300; ++i) {
    const std::string key = Key("k" + std::to_string(i % 30));
    EXPECT_EQ(MovingAcquire(key, 1'000'000, seconds(60), 999'999), i < 30);
    EXPECT_EQ(MovingState(key, 1'000'000, seconds(60), 999'999).count, 999'999);
  }
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, seconds(10));
}

TEST_P(StorageConformance, MovingWindowExactAtTheBounds) {
  LIMITSD_REQUIRE_CAPABILITY(moving_window);
  LIMITSD_REQUIRE_MANUAL_CLOCK();
  const std::string key = Key("k");
  const std::int64_t limit = 1'000'000'000;
  const Micros ten_years = seconds(10LL * 365 * 86400);
  EXPECT_TRUE(MovingAcquire(key, limit, ten_years, limit - 1));
  Advance(ten_years / 2);
  EXPECT_TRUE(MovingAcquire(key, limit, ten_years, 1));
  EXPECT_FALSE(MovingAcquire(key, limit, ten_years, 1));
  MovingWindowState state = MovingState(key, limit, ten_years, limit);
  EXPECT_EQ(state.count, limit);
  EXPECT_EQ(state.newest_age, Micros{0});
  EXPECT_EQ(state.blocking_age, Micros{0});  // index 0: the newest unit
  state = MovingState(key, limit, ten_years, 2);
  EXPECT_EQ(state.blocking_age, ten_years / 2);  // index limit - 2: the first hit's units
  Advance(ten_years / 2 + Micros{1});
  EXPECT_EQ(MovingState(key, limit, ten_years, 1).count, 1);
  EXPECT_TRUE(MovingAcquire(key, limit, ten_years, limit - 1));
}

}  // namespace
}  // namespace limitsd::storage::conformance

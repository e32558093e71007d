// Conformance cases of GcraSupport and of gcra rates in TakeAll: a bucket of `burst` units
// that gets one back every `interval` (strategy/gcra.h).

#include <chrono>
#include <string>
#include <vector>

#include "tests/storage/conformance/storage_conformance.h"

namespace limitsd::storage::conformance {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// redis-cell's example bucket: 5 units, one back every 10 s.
constexpr std::int64_t kBurst = 5;
constexpr Micros kInterval = seconds(10);

TEST_P(StorageConformance, GcraAcquireAndGet) {
  LIMITSD_REQUIRE_CAPABILITY(gcra);
  const std::string key = Key("k");
  EXPECT_EQ(GcraGet(key), GcraState{});
  EXPECT_FALSE(GcraAcquire(key, kBurst, kInterval, kBurst + 1));  // never fits
  EXPECT_EQ(GcraGet(key), GcraState{});
  for (int i = 0; i < kBurst; ++i) EXPECT_TRUE(GcraAcquire(key, kBurst, kInterval, 1)) << i;
  EXPECT_FALSE(GcraAcquire(key, kBurst, kInterval, 1));
  ExpectTimeLeft(GcraGet(key).ttl, kBurst * kInterval);
}

TEST_P(StorageConformance, GcraCostTakesSeveralIntervals) {
  LIMITSD_REQUIRE_CAPABILITY(gcra);
  const std::string key = Key("k");
  EXPECT_TRUE(GcraAcquire(key, kBurst, kInterval, 3));
  ExpectTimeLeft(GcraGet(key).ttl, 3 * kInterval);
  EXPECT_FALSE(GcraAcquire(key, kBurst, kInterval, 3));
  EXPECT_TRUE(GcraAcquire(key, kBurst, kInterval, 2));
  ExpectTimeLeft(GcraGet(key).ttl, 5 * kInterval);
}

TEST_P(StorageConformance, GcraRefillsOneUnitPerInterval) {
  LIMITSD_REQUIRE_CAPABILITY(gcra);
  LIMITSD_REQUIRE_MANUAL_CLOCK();
  const std::string key = Key("k");
  for (int i = 0; i < kBurst; ++i) ASSERT_TRUE(GcraAcquire(key, kBurst, kInterval, 1));
  Advance(kInterval - Micros{1});
  EXPECT_FALSE(GcraAcquire(key, kBurst, kInterval, 1));
  Advance(Micros{1});
  EXPECT_TRUE(GcraAcquire(key, kBurst, kInterval, 1));
  EXPECT_FALSE(GcraAcquire(key, kBurst, kInterval, 1));
  EXPECT_EQ(GcraGet(key).ttl, kBurst * kInterval);
  Advance(kBurst * kInterval);
  EXPECT_EQ(GcraGet(key), GcraState{});  // full again
  EXPECT_TRUE(GcraAcquire(key, kBurst, kInterval, kBurst));
}

TEST_P(StorageConformance, GcraClear) {
  LIMITSD_REQUIRE_CAPABILITY(gcra);
  const std::string key = Key("k");
  ASSERT_TRUE(GcraAcquire(key, kBurst, kInterval, kBurst));
  EXPECT_FALSE(GcraAcquire(key, kBurst, kInterval, 1));
  ASSERT_TRUE(Run(storage().Clear(key)));
  EXPECT_EQ(GcraGet(key), GcraState{});
  EXPECT_TRUE(GcraAcquire(key, kBurst, kInterval, kBurst));
}

TEST_P(StorageConformance, GcraInTakeAllIsAllOrNothing) {
  LIMITSD_REQUIRE_CAPABILITY(multi_rate);
  LIMITSD_REQUIRE_CAPABILITY(gcra);
  const std::string bucket = TaggedKey("u", "gcra");
  const std::string fixed = TaggedKey("u", "fixed");
  const std::vector<RateQuery> rates = {{bucket, StrategyKind::kGcra, 3, seconds(30), kInterval},
                                        {fixed, StrategyKind::kFixedWindow, 2, seconds(60)}};
  const TakeOutcome peek = Take(rates, 1, TakeMode::kPeek);
  EXPECT_FALSE(peek.taken);
  ASSERT_EQ(peek.states.size(), 2u);
  EXPECT_EQ(peek.states[0], WindowState{GcraState{}});
  for (int i = 1; i <= 2; ++i) {
    const TakeOutcome hit = Take(rates, 1, TakeMode::kHit);
    ASSERT_TRUE(hit.taken) << i;
    ASSERT_EQ(hit.states.size(), 2u);
    ExpectTimeLeft(std::get<GcraState>(hit.states[0]).ttl, i * kInterval);
  }
  // The fixed window is full: the bucket keeps its third unit.
  const TakeOutcome denied = Take(rates, 1, TakeMode::kHit);
  EXPECT_FALSE(denied.taken);
  ASSERT_EQ(denied.states.size(), 2u);
  ExpectTimeLeft(std::get<GcraState>(denied.states[0]).ttl, 2 * kInterval);
  ExpectTimeLeft(GcraGet(bucket).ttl, 2 * kInterval);
  // A cost above the burst is never taken, whatever the other rates say.
  const std::vector<RateQuery> alone = {{bucket, StrategyKind::kGcra, 3, seconds(30), kInterval}};
  EXPECT_FALSE(Take(alone, 4, TakeMode::kHit).taken);
  EXPECT_TRUE(Take(alone, 1, TakeMode::kHit).taken);
  EXPECT_FALSE(Take(alone, 1, TakeMode::kHit).taken);
}

}  // namespace
}  // namespace limitsd::storage::conformance

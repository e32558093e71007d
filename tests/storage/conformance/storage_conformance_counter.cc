// Conformance cases of the base interface: counters, expiry, clear, reset, capabilities.

#include <string>

#include "tests/storage/conformance/storage_conformance.h"

namespace limitsd::storage::conformance {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST_P(StorageConformance, CapabilitiesMatchTheRegistry) {
  const SchemeInfo* info = StorageRegistry::Instance().Find(GetParam().scheme);
  ASSERT_NE(info, nullptr) << "scheme " << GetParam().scheme << " is not registered";
  const Capabilities& declared = Declared();
  EXPECT_EQ(info->capabilities.moving_window, declared.moving_window);
  EXPECT_EQ(info->capabilities.sliding_window_counter, declared.sliding_window_counter);
  EXPECT_EQ(info->capabilities.gcra, declared.gcra);
  EXPECT_EQ(info->capabilities.multi_rate, declared.multi_rate);
  EXPECT_EQ(info->capabilities.synchronous, declared.synchronous);
  EXPECT_EQ(storage().AsMovingWindow() != nullptr, declared.moving_window);
  EXPECT_EQ(storage().AsSlidingWindowCounter() != nullptr, declared.sliding_window_counter);
  EXPECT_EQ(storage().AsGcra() != nullptr, declared.gcra);
  EXPECT_EQ(storage().AsMultiRate() != nullptr, declared.multi_rate);
}

TEST_P(StorageConformance, ChecksAndDescribesItself) {
  EXPECT_TRUE(Run(storage().Check()));
  const std::string description = storage().Describe();
  EXPECT_NE(description.find(GetParam().scheme), std::string::npos) << description;
}

TEST_P(StorageConformance, IncrCreatesAndAdds) {
  const std::string key = Key("k");
  EXPECT_EQ(Run(storage().Get(key)).value(), 0);
  EXPECT_EQ(Run(storage().Incr(key, seconds(60), 1)).value(), 1);
  EXPECT_EQ(Run(storage().Incr(key, seconds(60), 10)).value(), 11);
  EXPECT_EQ(Run(storage().Get(key)).value(), 11);
  EXPECT_EQ(Run(storage().Get(Key("other"))).value(), 0);
}

TEST_P(StorageConformance, IncrHandlesAmountsAtTheBounds) {
  const std::string key = Key("k");
  EXPECT_EQ(Run(storage().Incr(key, seconds(60), 1'000'000'000)).value(), 1'000'000'000);
  EXPECT_EQ(Run(storage().Incr(key, seconds(60), 1'000'000'000)).value(), 2'000'000'000);
  EXPECT_EQ(Run(storage().Incr(key, seconds(60), 1'000'000'000)).value(), 3'000'000'000);
  const Micros ten_years = seconds(10LL * 365 * 86400);
  EXPECT_EQ(Run(storage().Incr(Key("long"), ten_years, 1)).value(), 1);
  ExpectTimeLeft(Run(storage().GetExpiry(Key("long"))).value(), ten_years);
}

TEST_P(StorageConformance, DecrNeverGoesBelowZero) {
  const std::string key = Key("k");
  ASSERT_EQ(Run(storage().Incr(key, seconds(60), 5)).value(), 5);
  ASSERT_TRUE(Run(storage().Decr(key, 2)));
  EXPECT_EQ(Run(storage().Get(key)).value(), 3);
  ASSERT_TRUE(Run(storage().Decr(key, 10)));
  EXPECT_EQ(Run(storage().Get(key)).value(), 0);
  EXPECT_EQ(Run(storage().Incr(key, seconds(60), 1)).value(), 1);
}

TEST_P(StorageConformance, DecrOfAnAbsentKeyIsANoOp) {
  const std::string key = Key("absent");
  ASSERT_TRUE(Run(storage().Decr(key, 3)));
  EXPECT_EQ(Run(storage().Get(key)).value(), 0);
  EXPECT_EQ(Run(storage().GetExpiry(key)).value(), Micros{0});
}

TEST_P(StorageConformance, IncrSetsTheTimeToLive) {
  const std::string key = Key("k");
  EXPECT_EQ(Run(storage().GetExpiry(key)).value(), Micros{0});
  ASSERT_EQ(Run(storage().Incr(key, seconds(10), 1)).value(), 1);
  ExpectTimeLeft(Run(storage().GetExpiry(key)).value(), seconds(10));
}

TEST_P(StorageConformance, LaterIncrementsDoNotExtendTheTimeToLive) {
  const std::string key = Key("k");
  ASSERT_EQ(Run(storage().Incr(key, seconds(2), 1)).value(), 1);
  Advance(seconds(1));
  ASSERT_EQ(Run(storage().Incr(key, seconds(2), 1)).value(), 2);
  ExpectTimeLeft(Run(storage().GetExpiry(key)).value(), seconds(1));
  Advance(milliseconds(1100));
  EXPECT_EQ(Run(storage().Get(key)).value(), 0);
  EXPECT_EQ(Run(storage().GetExpiry(key)).value(), Micros{0});
  // A new window starts with its own full time to live.
  EXPECT_EQ(Run(storage().Incr(key, seconds(2), 1)).value(), 1);
  ExpectTimeLeft(Run(storage().GetExpiry(key)).value(), seconds(2));
}

TEST_P(StorageConformance, CounterExpiresExactlyAtItsTimeToLive) {
  LIMITSD_REQUIRE_MANUAL_CLOCK();
  const std::string key = Key("k");
  ASSERT_EQ(Run(storage().Incr(key, seconds(1), 1)).value(), 1);
  Advance(seconds(1) - Micros{1});
  EXPECT_EQ(Run(storage().Get(key)).value(), 1);
  EXPECT_EQ(Run(storage().GetExpiry(key)).value(), Micros{1});
  Advance(Micros{1});
  EXPECT_EQ(Run(storage().Get(key)).value(), 0);
  EXPECT_EQ(Run(storage().GetExpiry(key)).value(), Micros{0});
}

TEST_P(StorageConformance, ClearRemovesACounter) {
  const std::string key = Key("k");
  ASSERT_EQ(Run(storage().Incr(key, seconds(60), 4)).value(), 4);
  ASSERT_TRUE(Run(storage().Clear(key)));
  EXPECT_EQ(Run(storage().Get(key)).value(), 0);
  EXPECT_EQ(Run(storage().GetExpiry(key)).value(), Micros{0});
  EXPECT_TRUE(Run(storage().Clear(Key("never-set"))));
  EXPECT_EQ(Run(storage().Incr(key, seconds(60), 1)).value(), 1);
}

TEST_P(StorageConformance, ClearRemovesWhateverStrategyStoredTheKey) {
  if (auto* moving = storage().AsMovingWindow()) {
    const std::string key = Key("moving");
    ASSERT_TRUE(Run(moving->AcquireEntry(key, 5, seconds(60), 3)).value());
    ASSERT_TRUE(Run(storage().Clear(key)));
    EXPECT_EQ(Run(moving->GetMovingWindow(key, 5, seconds(60), 1)).value().count, 0);
  }
  if (auto* sliding = storage().AsSlidingWindowCounter()) {
    const std::string key = Key("sliding");
    ASSERT_TRUE(Run(sliding->AcquireSlidingWindowEntry(key, 5, seconds(60), 3)).value());
    ASSERT_TRUE(Run(storage().Clear(key)));
    const SlidingWindowState state = Run(sliding->GetSlidingWindow(key, seconds(60))).value();
    EXPECT_EQ(state.current, 0);
    EXPECT_EQ(state.previous, 0);
  }
}

}  // namespace
}  // namespace limitsd::storage::conformance

#include "storage/memcached/rate_math.h"

#include <gtest/gtest.h>

namespace limitsd::storage::memcached {
namespace {

constexpr std::int64_t kT0 = 1'700'000'000'000'000;  // a multiple of 10 s
constexpr Micros kSecond{1'000'000};

RateQuery Rate(StrategyKind kind, std::int64_t limit, Micros window) {
  return RateQuery{"{k}/rate", kind, limit, window};
}

TEST(RateMathTest, FixedWindowCountsUntilItsEnd) {
  LimitItem item;
  const RateQuery rate = Rate(StrategyKind::kFixedWindow, 3, 10 * kSecond);
  EXPECT_TRUE(strategy::Fits(StateOf(item, rate, 3, kT0), rate.params(), 3));
  EXPECT_FALSE(strategy::Fits(StateOf(item, rate, 4, kT0), rate.params(), 4));
  Take(item, rate, 2, kT0);
  Take(item, rate, 1, kT0 + 4 * kSecond.count());  // does not extend the window
  const auto state = std::get<FixedWindowState>(StateOf(item, rate, 1, kT0 + 5'000'000));
  EXPECT_EQ(state.count, 3);
  EXPECT_EQ(state.ttl, 5 * kSecond);
  EXPECT_FALSE(strategy::Fits(state, rate.params(), 1));
  EXPECT_EQ(std::get<FixedWindowState>(StateOf(item, rate, 1, kT0 + 10'000'000)).count, 0);
  EXPECT_EQ(IncrementFixed(item, rate.key, 10'000'000, 5, kT0 + 10'000'000), 5);
  EXPECT_TRUE(DecrementFixed(item, rate.key, 9, kT0 + 10'000'000));
  EXPECT_EQ(std::get<FixedWindowState>(StateOf(item, rate, 1, kT0 + 10'000'000)).count, 0);
}

TEST(RateMathTest, MovingWindowBlockingAgeAndTrim) {
  LimitItem item;
  const RateQuery rate = Rate(StrategyKind::kMovingWindow, 5, 10 * kSecond);
  Take(item, rate, 2, kT0);
  Take(item, rate, 1, kT0 + 1'000'000);
  Take(item, rate, 2, kT0 + 2'000'000);
  auto state = std::get<MovingWindowState>(StateOf(item, rate, 2, kT0 + 3'000'000));
  EXPECT_EQ(state.count, 5);
  EXPECT_EQ(state.newest_age, kSecond);
  // newest first: t2, t2, t1, t0, t0; index limit - cost = 3 is a unit of t0.
  EXPECT_EQ(state.blocking_age, 3 * kSecond);
  state = std::get<MovingWindowState>(StateOf(item, rate, 6, kT0 + 3'000'000));
  EXPECT_EQ(state.blocking_age, Micros{0});  // cost above the limit
  // A unit counts while now <= t + E.
  EXPECT_EQ(std::get<MovingWindowState>(StateOf(item, rate, 1, kT0 + 10'000'000)).count, 5);
  EXPECT_EQ(std::get<MovingWindowState>(StateOf(item, rate, 1, kT0 + 10'000'001)).count, 3);
  // Only the newest `limit` units are kept.
  Take(item, rate, 4, kT0 + 10'000'001);
  const auto& runs = std::get<MovingRecord>(item.Find(rate.key)->data).runs;
  std::int64_t kept = 0;
  for (const memcached::Run& run : runs) kept += run.count;
  EXPECT_EQ(kept, 5);
  EXPECT_EQ(runs.size(), 2u);
}

TEST(RateMathTest, SlidingWindowBucketsAlignToUnixTime) {
  LimitItem item;
  const RateQuery rate = Rate(StrategyKind::kSlidingWindowCounter, 10, 10 * kSecond);
  Take(item, rate, 6, kT0 + 9'000'000);
  auto state = std::get<SlidingWindowState>(StateOf(item, rate, 1, kT0 + 12'500'000));
  EXPECT_EQ(state.previous, 6);
  EXPECT_EQ(state.current, 0);
  EXPECT_EQ(state.elapsed, Micros{2'500'000});
  // floor(6 * 7.5 / 10) = 4, so 6 more fit and 7 do not.
  EXPECT_TRUE(strategy::Fits(state, rate.params(), 6));
  EXPECT_FALSE(strategy::Fits(state, rate.params(), 7));
  Take(item, rate, 6, kT0 + 12'500'000);
  state = std::get<SlidingWindowState>(StateOf(item, rate, 1, kT0 + 12'500'000));
  EXPECT_EQ(state.current, 6);
  state = std::get<SlidingWindowState>(StateOf(item, rate, 1, kT0 + 30'000'000));
  EXPECT_EQ(state.previous + state.current, 0);
}

TEST(RateMathTest, DropDeadAndLiveUntil) {
  LimitItem item;
  const RateQuery fixed = {"{k}/f", StrategyKind::kFixedWindow, 5, 10 * kSecond};
  const RateQuery moving = {"{k}/m", StrategyKind::kMovingWindow, 5, 20 * kSecond};
  const RateQuery sliding = {"{k}/s", StrategyKind::kSlidingWindowCounter, 5, 10 * kSecond};
  Take(item, fixed, 1, kT0);
  Take(item, moving, 1, kT0);
  Take(item, sliding, 1, kT0);
  EXPECT_EQ(LiveUntil(item), kT0 + 20'000'001);
  DropDead(item, kT0 + 10'000'000);
  EXPECT_EQ(item.rates.size(), 2u);  // the fixed window ended
  DropDead(item, kT0 + 20'000'000);
  EXPECT_EQ(item.rates.size(), 1u);  // sliding: bucket kT0 counts until kT0 + 2E
  DropDead(item, kT0 + 20'000'001);
  EXPECT_TRUE(item.rates.empty());
  EXPECT_EQ(LiveUntil(item), 0);
}

TEST(RateMathTest, KindMismatchReadsAsAbsent) {
  LimitItem item;
  Take(item, Rate(StrategyKind::kFixedWindow, 5, 10 * kSecond), 3, kT0);
  const RateQuery moving = Rate(StrategyKind::kMovingWindow, 5, 10 * kSecond);
  EXPECT_EQ(std::get<MovingWindowState>(StateOf(item, moving, 1, kT0)).count, 0);
  Take(item, moving, 1, kT0);
  EXPECT_EQ(std::get<MovingWindowState>(StateOf(item, moving, 1, kT0)).count, 1);
}

}  // namespace
}  // namespace limitsd::storage::memcached

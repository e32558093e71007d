#include "strategy/moving_window_log.h"

#include <gtest/gtest.h>

namespace limitsd::strategy {
namespace {

constexpr std::int64_t kWindow = 1'000;

MovingWindowState StateAt(MovingWindowLog& log, std::int64_t now, std::int64_t limit,
                          std::int64_t amount) {
  log.Expire(now, kWindow);
  return log.State(now, limit, amount);
}

TEST(MovingWindowLogTest, EmptyLogFitsAnythingUpToTheLimit) {
  MovingWindowLog log;
  const MovingWindowState state = StateAt(log, 100, 5, 5);
  EXPECT_EQ(state.count, 0);
  EXPECT_EQ(state.blocking_age, Micros{-1});
  EXPECT_EQ(StateAt(log, 100, 5, 6).blocking_age, Micros{0});  // never fits
  EXPECT_TRUE(log.Empty());
}

TEST(MovingWindowLogTest, MergesHitsAtTheSameTime) {
  MovingWindowLog log;
  for (int i = 0; i < 10; ++i) log.Take(100, 100, 3);
  EXPECT_EQ(log.Runs(), 1u);
  EXPECT_EQ(log.Count(), 30);
  log.Take(101, 100, 1);
  EXPECT_EQ(log.Runs(), 2u);
  EXPECT_EQ(log.NewestTime(), 101);
}

TEST(MovingWindowLogTest, FindsTheBlockingUnitAcrossRuns) {
  MovingWindowLog log;
  log.Take(100, 10, 4);  // units 1-4
  log.Take(200, 10, 3);  // units 5-7
  log.Take(300, 10, 3);  // units 8-10
  MovingWindowState state = StateAt(log, 400, 10, 1);
  EXPECT_EQ(state.count, 10);
  EXPECT_EQ(state.newest_age, Micros{100});
  // Newest first: indexes 0-2 at 300, 3-5 at 200, 6-9 at 100.
  EXPECT_EQ(StateAt(log, 400, 10, 1).blocking_age, Micros{300});   // index 9
  EXPECT_EQ(StateAt(log, 400, 10, 4).blocking_age, Micros{300});   // index 6
  EXPECT_EQ(StateAt(log, 400, 10, 5).blocking_age, Micros{200});   // index 5
  EXPECT_EQ(StateAt(log, 400, 10, 7).blocking_age, Micros{200});   // index 3
  EXPECT_EQ(StateAt(log, 400, 10, 8).blocking_age, Micros{100});   // index 2
  EXPECT_EQ(StateAt(log, 400, 10, 10).blocking_age, Micros{100});  // index 0
  EXPECT_EQ(StateAt(log, 400, 20, 10).blocking_age, Micros{-1});   // 10 + 10 <= 20
}

TEST(MovingWindowLogTest, TrimsToTheLimit) {
  MovingWindowLog log;
  log.Take(100, 5, 3);
  log.Take(200, 5, 2);
  log.Take(300, 5, 4);  // keeps the newest 5 units: 4 at 300, 1 at 200
  EXPECT_EQ(log.Count(), 5);
  EXPECT_EQ(log.Runs(), 2u);
  EXPECT_EQ(StateAt(log, 300, 5, 1).blocking_age, Micros{100});  // index 4: at 200
}

TEST(MovingWindowLogTest, UnitsCountWhileNoOlderThanTheWindow) {
  MovingWindowLog log;
  log.Take(100, 10, 2);
  log.Take(600, 10, 1);
  EXPECT_EQ(StateAt(log, 100 + kWindow, 10, 1).count, 3);
  EXPECT_EQ(StateAt(log, 101 + kWindow, 10, 1).count, 1);
  EXPECT_EQ(log.Runs(), 1u);
  EXPECT_EQ(StateAt(log, 601 + kWindow, 10, 1).count, 0);
  EXPECT_TRUE(log.Empty());
  log.Take(5000, 10, 2);
  EXPECT_EQ(log.Count(), 2);
}

TEST(MovingWindowLogTest, RunsStayBoundedUnderConstantHits) {
  MovingWindowLog log;
  for (std::int64_t t = 0; t < 100'000; ++t) {
    log.Expire(t, kWindow);
    if (log.Count() + 1 <= 50) log.Take(t, 50, 1);
    ASSERT_LE(log.Runs(), 50u);
  }
  EXPECT_EQ(log.Count(), 50);
}

TEST(MovingWindowLogTest, HugeCostsAreOneRun) {
  MovingWindowLog log;
  log.Take(10, 1'000'000'000, 999'999'999);
  log.Take(11, 1'000'000'000, 1);
  EXPECT_EQ(log.Runs(), 2u);
  EXPECT_EQ(log.Count(), 1'000'000'000);
  EXPECT_EQ(StateAt(log, 12, 1'000'000'000, 1).blocking_age, Micros{2});
  EXPECT_EQ(StateAt(log, 12, 1'000'000'000, 1'000'000'000).blocking_age, Micros{1});
}

// A log that never empties keeps renumbering its units below 2^61.
TEST(MovingWindowLogTest, RebasesCumulativeCounts) {
  MovingWindowLog log;
  const std::int64_t limit = std::int64_t{1} << 60;
  for (std::int64_t t = 1; t <= 20; ++t) log.Take(t, limit, limit / 2);
  EXPECT_EQ(log.Count(), limit);
  EXPECT_EQ(log.Runs(), 2u);
  const MovingWindowState state = log.State(21, limit, 1);
  EXPECT_EQ(state.blocking_age, Micros{2});  // index limit-1: the older run at t=19
  EXPECT_EQ(log.State(21, limit, limit / 2).blocking_age, Micros{2});  // index limit/2: t=19
  EXPECT_EQ(log.State(21, limit, limit / 2 + 1).blocking_age, Micros{1});  // the newest run
}

}  // namespace
}  // namespace limitsd::strategy

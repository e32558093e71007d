// Conformance cases of MultiRateSupport: all rates of one request, all or nothing.

#include <chrono>
#include <string>
#include <vector>

#include "tests/storage/conformance/storage_conformance.h"

namespace limitsd::storage::conformance {
namespace {

using std::chrono::seconds;

std::int64_t CountOf(const WindowState& state) {
  if (const auto* fixed = std::get_if<FixedWindowState>(&state)) return fixed->count;
  if (const auto* moving = std::get_if<MovingWindowState>(&state)) return moving->count;
  return std::get<SlidingWindowState>(state).current;
}

std::vector<std::int64_t> Counts(const TakeOutcome& outcome) {
  std::vector<std::int64_t> counts;
  for (const WindowState& state : outcome.states) counts.push_back(CountOf(state));
  return counts;
}

using Counted = std::vector<std::int64_t>;

TEST_P(StorageConformance, TakeAllIsAllOrNothing) {
  LIMITSD_REQUIRE_CAPABILITY(multi_rate);
  const std::string minute = TaggedKey("user", "3/minute");
  const std::string hour = TaggedKey("user", "5/hour");
  const std::vector<RateQuery> rates = {
      {minute, StrategyKind::kFixedWindow, 3, seconds(60)},
      {hour, StrategyKind::kFixedWindow, 5, seconds(3600)},
  };
  TakeOutcome outcome = Take(rates, 2, TakeMode::kHit);
  EXPECT_TRUE(outcome.taken);
  EXPECT_EQ(Counts(outcome), (Counted{2, 2}));
  outcome = Take(rates, 2, TakeMode::kHit);  // 2 + 2 > 3: neither rate is charged
  EXPECT_FALSE(outcome.taken);
  EXPECT_EQ(Counts(outcome), (Counted{2, 2}));
  outcome = Take(rates, 1, TakeMode::kHit);
  EXPECT_TRUE(outcome.taken);
  EXPECT_EQ(Counts(outcome), (Counted{3, 3}));
  outcome = Take(rates, 1, TakeMode::kHit);
  EXPECT_FALSE(outcome.taken);
  EXPECT_EQ(Counts(outcome), (Counted{3, 3}));
}

TEST_P(StorageConformance, TakeAllStopsAtTheTightestRate) {
  LIMITSD_REQUIRE_CAPABILITY(multi_rate);
  const std::string wide = TaggedKey("user", "10/minute");
  const std::string narrow = TaggedKey("user", "2/second");
  const std::vector<RateQuery> rates = {
      {wide, StrategyKind::kFixedWindow, 10, seconds(60)},
      {narrow, StrategyKind::kFixedWindow, 2, seconds(60)},
  };
  int taken = 0;
  for (int i = 0; i < 6; ++i) taken += Take(rates, 1, TakeMode::kHit).taken ? 1 : 0;
  EXPECT_EQ(taken, 2);
  EXPECT_EQ(Counts(Take(rates, 1, TakeMode::kPeek)), (Counted{2, 2}));
}

TEST_P(StorageConformance, TakeAllWithMixedStrategies) {
  LIMITSD_REQUIRE_CAPABILITY(multi_rate);
  LIMITSD_REQUIRE_CAPABILITY(moving_window);
  LIMITSD_REQUIRE_CAPABILITY(sliding_window_counter);
  const std::string fixed = TaggedKey("user", "fixed");
  const std::string moving = TaggedKey("user", "moving");
  const std::string sliding = TaggedKey("user", "sliding");
  // A day-long sliding window: no bucket boundary falls within the test.
  const std::vector<RateQuery> rates = {
      {moving, StrategyKind::kMovingWindow, 3, seconds(60)},
      {fixed, StrategyKind::kFixedWindow, 4, seconds(60)},
      {sliding, StrategyKind::kSlidingWindowCounter, 2, seconds(86400)},
  };
  int taken = 0;
  for (int i = 0; i < 5; ++i) taken += Take(rates, 1, TakeMode::kHit).taken ? 1 : 0;
  EXPECT_EQ(taken, 2);
  const TakeOutcome peek = Take(rates, 1, TakeMode::kPeek);
  ASSERT_EQ(peek.states.size(), 3u);
  EXPECT_TRUE(std::holds_alternative<MovingWindowState>(peek.states[0]));
  EXPECT_TRUE(std::holds_alternative<FixedWindowState>(peek.states[1]));
  EXPECT_TRUE(std::holds_alternative<SlidingWindowState>(peek.states[2]));
  EXPECT_EQ(Counts(peek), (Counted{2, 2, 2}));
  // Without the sliding rate the others still have room: one more passes them both.
  const std::vector<RateQuery> two(rates.begin(), rates.begin() + 2);
  EXPECT_TRUE(Take(two, 1, TakeMode::kHit).taken);
  EXPECT_FALSE(Take(two, 1, TakeMode::kHit).taken);  // the moving window is full
  EXPECT_EQ(Counts(Take(rates, 1, TakeMode::kPeek)), (Counted{3, 3, 2}));
}

TEST_P(StorageConformance, TakeAllPeekTakesNothing) {
  LIMITSD_REQUIRE_CAPABILITY(multi_rate);
  const std::string key = TaggedKey("user", "5/minute");
  const std::vector<RateQuery> rates = {{key, StrategyKind::kFixedWindow, 5, seconds(60)}};
  for (int i = 0; i < 3; ++i) {
    const TakeOutcome peek = Take(rates, 5, TakeMode::kPeek);
    EXPECT_FALSE(peek.taken);
    EXPECT_EQ(Counts(peek), (Counted{0}));
  }
  EXPECT_TRUE(Take(rates, 2, TakeMode::kHit).taken);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Counts(Take(rates, 4, TakeMode::kPeek)), (Counted{2}));
  EXPECT_TRUE(Take(rates, 3, TakeMode::kHit).taken);
}

TEST_P(StorageConformance, TakeAllCostAboveAnyLimitTakesNothing) {
  LIMITSD_REQUIRE_CAPABILITY(multi_rate);
  const std::string small = TaggedKey("user", "5/minute");
  const std::string large = TaggedKey("user", "100/hour");
  const std::vector<RateQuery> rates = {
      {small, StrategyKind::kFixedWindow, 5, seconds(60)},
      {large, StrategyKind::kFixedWindow, 100, seconds(3600)},
  };
  const TakeOutcome outcome = Take(rates, 6, TakeMode::kHit);
  EXPECT_FALSE(outcome.taken);
  EXPECT_EQ(Counts(outcome), (Counted{0, 0}));
  EXPECT_EQ(Counts(Take(rates, 1, TakeMode::kPeek)), (Counted{0, 0}));
}

TEST_P(StorageConformance, TakeAllReportsStatesAfterTheTake) {
  LIMITSD_REQUIRE_CAPABILITY(multi_rate);
  const std::string fixed = TaggedKey("user", "fixed");
  std::vector<RateQuery> rates = {{fixed, StrategyKind::kFixedWindow, 3, seconds(60)}};
  const std::string moving = TaggedKey("user", "moving");
  if (Declared().moving_window) {
    rates.push_back({moving, StrategyKind::kMovingWindow, 3, seconds(60)});
  }
  TakeOutcome outcome = Take(rates, 2, TakeMode::kHit);
  ASSERT_TRUE(outcome.taken);
  const auto& fixed_state = std::get<FixedWindowState>(outcome.states[0]);
  EXPECT_EQ(fixed_state.count, 2);
  ExpectTimeLeft(fixed_state.ttl, seconds(60));
  if (Declared().moving_window) {
    const auto& moving_state = std::get<MovingWindowState>(outcome.states[1]);
    EXPECT_EQ(moving_state.count, 2);
    ExpectAge(moving_state.newest_age, Micros{0});
    ExpectAge(moving_state.blocking_age, Micros{0});  // 2 + 2 > 3: index 1 is the newest run
  }
  Advance(seconds(1));
  outcome = Take(rates, 1, TakeMode::kPeek);
  ExpectTimeLeft(std::get<FixedWindowState>(outcome.states[0]).ttl, seconds(59));
  if (Declared().moving_window) {
    const auto& moving_state = std::get<MovingWindowState>(outcome.states[1]);
    EXPECT_EQ(moving_state.blocking_age, Micros{-1});  // 2 + 1 <= 3 fits now
    ExpectAge(moving_state.newest_age, seconds(1));
  }
}

TEST_P(StorageConformance, TakeAllSlidingWindowState) {
  LIMITSD_REQUIRE_CAPABILITY(multi_rate);
  LIMITSD_REQUIRE_CAPABILITY(sliding_window_counter);
  const std::string key = TaggedKey("user", "sliding");
  const Micros window = seconds(2);
  const std::vector<RateQuery> rates = {{key, StrategyKind::kSlidingWindowCounter, 4, window}};
  ToNextBucket(window, std::chrono::milliseconds(200));
  TakeOutcome outcome = Take(rates, 3, TakeMode::kHit);
  ASSERT_TRUE(outcome.taken);
  const auto& state = std::get<SlidingWindowState>(outcome.states[0]);
  EXPECT_EQ(state.previous, 0);
  EXPECT_EQ(state.current, 3);
  ExpectAge(state.elapsed, std::chrono::milliseconds(200));
  EXPECT_FALSE(Take(rates, 2, TakeMode::kHit).taken);
  EXPECT_TRUE(Take(rates, 1, TakeMode::kHit).taken);
}

}  // namespace
}  // namespace limitsd::storage::conformance

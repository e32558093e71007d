// The denial cache on its own, with times handed in: what it remembers, what it answers,
// how answers age, and what drops them.
#include "storage/redis/deny_cache.h"

#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace limitsd::storage::redis {
namespace {

using namespace std::chrono_literals;

constexpr Micros kMinute{60'000'000};

RateQuery Fixed(std::string_view key, std::int64_t limit, Micros expiry = kMinute) {
  return RateQuery{key, StrategyKind::kFixedWindow, limit, expiry};
}

TakeOutcome Denied(std::vector<FixedWindowState> states) {
  TakeOutcome outcome;
  for (const auto& state : states) outcome.states.push_back(state);
  return outcome;
}

class DenyCacheTest : public ::testing::Test {
 protected:
  // Remembers a denial sent at t0 and answered 2 ms later.
  void RememberAtStart(std::span<const RateQuery> rates, std::int64_t cost,
                       const TakeOutcome& outcome) {
    cache_.Remember(rates, cost, outcome, generations_.Stamp(rates), t0_, t0_ + 2ms);
  }

  DenyGenerations generations_;
  DenyCache cache_{16};
  const Deadline t0_ = Deadline{} + 1000s;
};

TEST_F(DenyCacheTest, AnswersTheSameRatesAtTheSameOrAHigherCost) {
  const std::array rates{Fixed("{k}/a", 5)};
  RememberAtStart(rates, 2, Denied({{4, Micros{30'000'000}}}));
  ASSERT_EQ(cache_.size(), 1u);
  EXPECT_TRUE(cache_.Find(rates, 2, generations_, t0_ + 1s).has_value());
  EXPECT_TRUE(cache_.Find(rates, 5, generations_, t0_ + 1s).has_value());
  EXPECT_FALSE(cache_.Find(rates, 1, generations_, t0_ + 1s).has_value());  // might fit
  EXPECT_EQ(cache_.hits(), 2u);
}

TEST_F(DenyCacheTest, AnswersEveryCostTheRememberedCountsCannotFit) {
  // Remembered at cost 3 with 4 of 5 counted: cost 2 cannot fit either, cost 1 can.
  const std::array rates{Fixed("{k}/a", 5)};
  RememberAtStart(rates, 3, Denied({{4, Micros{30'000'000}}}));
  const auto found = cache_.Find(rates, 2, generations_, t0_ + 1s);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(std::get<FixedWindowState>(found->states.front()).count, 4);
  EXPECT_FALSE(cache_.Find(rates, 1, generations_, t0_ + 1s).has_value());
}

TEST_F(DenyCacheTest, ACostAboveTheAmountOnAnEmptyWindowIsRemembered) {
  const std::array rates{Fixed("{k}/a", 5, Micros{10'000'000})};
  RememberAtStart(rates, 6, Denied({{0, Micros{0}}}));
  const auto found = cache_.Find(rates, 6, generations_, t0_ + 1s);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(std::get<FixedWindowState>(found->states.front()).count, 0);
  EXPECT_FALSE(cache_.Find(rates, 5, generations_, t0_ + 1s).has_value());
  // Nothing was counted: good for one window from the send.
  EXPECT_FALSE(cache_.Find(rates, 6, generations_, t0_ + 10s).has_value());
}

TEST_F(DenyCacheTest, NothingIsAnsweredForAKeyWhileAHitOnItIsInFlight) {
  const std::array rates{Fixed("{k}/a", 5)};
  RememberAtStart(rates, 1, Denied({{5, Micros{30'000'000}}}));
  {
    const DenyCache::TakeInFlight in_flight(cache_, rates);
    EXPECT_FALSE(cache_.Find(rates, 1, generations_, t0_ + 1ms).has_value());
  }
  EXPECT_TRUE(cache_.Find(rates, 1, generations_, t0_ + 1ms).has_value());
}

TEST_F(DenyCacheTest, BumpingTheRatesOfATakeDropsTheEntry) {
  const std::array rates{Fixed("{k}/a", 5), Fixed("{k}/b", 9)};
  RememberAtStart(rates, 1, Denied({{5, Micros{30'000'000}}, {5, Micros{30'000'000}}}));
  ASSERT_TRUE(cache_.Find(rates, 1, generations_, t0_ + 1ms).has_value());
  generations_.BumpRates(rates);
  EXPECT_FALSE(cache_.Find(rates, 1, generations_, t0_ + 1ms).has_value());
  EXPECT_EQ(cache_.size(), 0u);
}

TEST_F(DenyCacheTest, AgesTheTtlFromTheReplyAndNeverBelowWhatRedisSaid) {
  const std::array rates{Fixed("{k}/a", 5)};
  RememberAtStart(rates, 1, Denied({{5, Micros{30'000'000}}}));
  const auto found = cache_.Find(rates, 1, generations_, t0_ + 10s);
  ASSERT_TRUE(found.has_value());
  EXPECT_FALSE(found->taken);
  ASSERT_EQ(found->states.size(), 1u);
  const auto& state = std::get<FixedWindowState>(found->states[0]);
  EXPECT_EQ(state.count, 5);
  // 30 s at t0 + 2 ms (the reply), so 20.002 s at t0 + 10 s.
  EXPECT_EQ(state.ttl, Micros{20'002'000});
}

TEST_F(DenyCacheTest, EndsWhenTheWindowCanHaveEndedCountedFromTheSend) {
  const std::array rates{Fixed("{k}/a", 5)};
  RememberAtStart(rates, 1, Denied({{5, Micros{1'000'000}}}));
  EXPECT_TRUE(cache_.Find(rates, 1, generations_, t0_ + 999ms).has_value());
  EXPECT_FALSE(cache_.Find(rates, 1, generations_, t0_ + 1000ms).has_value());
  EXPECT_EQ(cache_.size(), 0u);  // dropped
}

TEST_F(DenyCacheTest, RemembersOnlyDenialsThatStayTrue) {
  const std::array rates{Fixed("{k}/a", 5)};
  TakeOutcome taken = Denied({{5, Micros{1'000'000}}});
  taken.taken = true;
  RememberAtStart(rates, 1, taken);
  RememberAtStart(rates, 1, Denied({{3, Micros{1'000'000}}}));  // 3 + 1 fits
  RememberAtStart(rates, 1, Denied({{5, Micros{0}}}));          // no TTL: may never end
  EXPECT_EQ(cache_.size(), 0u);
  const std::array moving{RateQuery{"{k}/m", StrategyKind::kMovingWindow, 5, kMinute}};
  TakeOutcome moving_outcome;
  moving_outcome.states.push_back(MovingWindowState{5, Micros{1}, Micros{1}});
  RememberAtStart(moving, 1, moving_outcome);
  EXPECT_EQ(cache_.size(), 0u);
  EXPECT_FALSE(DenyCache::Cacheable(moving));
  EXPECT_TRUE(DenyCache::Cacheable(rates));
}

TEST_F(DenyCacheTest, SeveralRatesLastUntilTheFirstCountedWindowEnds) {
  const std::array rates{Fixed("{k}/s", 100, Micros{1'000'000}), Fixed("{k}/m", 10)};
  // The minute is full; the second counts 3 and ends in 400 ms.
  RememberAtStart(rates, 1, Denied({{3, Micros{400'000}}, {10, Micros{50'000'000}}}));
  const auto found = cache_.Find(rates, 1, generations_, t0_ + 300ms);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(std::get<FixedWindowState>(found->states[0]), (FixedWindowState{3, Micros{102'000}}));
  EXPECT_EQ(std::get<FixedWindowState>(found->states[1]).count, 10);
  EXPECT_FALSE(cache_.Find(rates, 1, generations_, t0_ + 400ms).has_value());
}

TEST_F(DenyCacheTest, OtherLimitsOnTheSameKeyAreNotAnswered) {
  const std::array rates{Fixed("{k}/a", 5)};
  RememberAtStart(rates, 1, Denied({{5, Micros{1'000'000}}}));
  const std::array bigger{Fixed("{k}/a", 50)};
  const std::array two{Fixed("{k}/a", 5), Fixed("{k}/b", 5)};
  EXPECT_FALSE(cache_.Find(bigger, 1, generations_, t0_ + 1ms).has_value());
  EXPECT_FALSE(cache_.Find(two, 1, generations_, t0_ + 1ms).has_value());
}

TEST_F(DenyCacheTest, ABumpOfAnyOfItsKeysDropsTheEntry) {
  const std::array rates{Fixed("{k}/a", 5), Fixed("{k}/b", 5)};
  RememberAtStart(rates, 1, Denied({{5, Micros{1'000'000}}, {1, Micros{1'000'000}}}));
  generations_.BumpKey("{other}");  // unrelated unless it shares a bucket
  const bool shares = generations_.Stamp(rates) != DenyGenerations().Stamp(rates);
  EXPECT_EQ(cache_.Find(rates, 1, generations_, t0_ + 1ms).has_value(), !shares);
  generations_.BumpKey("{k}/b");
  EXPECT_FALSE(cache_.Find(rates, 1, generations_, t0_ + 1ms).has_value());
  RememberAtStart(rates, 1, Denied({{5, Micros{1'000'000}}, {1, Micros{1'000'000}}}));
  EXPECT_TRUE(cache_.Find(rates, 1, generations_, t0_ + 1ms).has_value());
  generations_.BumpKey("{k}/a");
  EXPECT_FALSE(cache_.Find(rates, 1, generations_, t0_ + 1ms).has_value());
}

TEST_F(DenyCacheTest, ADenialStampedBeforeABumpIsNeverServed) {
  // The request left before a Clear finished: its answer may predate the DEL.
  const std::array rates{Fixed("{k}/a", 5)};
  const std::uint64_t stamp = generations_.Stamp(rates);
  generations_.BumpKey("{k}/a");
  cache_.Remember(rates, 1, Denied({{5, Micros{1'000'000}}}), stamp, t0_, t0_ + 1ms);
  EXPECT_FALSE(cache_.Find(rates, 1, generations_, t0_ + 2ms).has_value());
}

TEST_F(DenyCacheTest, StaysWithinItsCapacity) {
  std::vector<std::string> keys;
  for (int i = 0; i < 100; ++i) keys.push_back("{k" + std::to_string(i) + "}/a");
  for (const auto& key : keys) {
    const std::array rates{Fixed(key, 1)};
    RememberAtStart(rates, 1, Denied({{1, Micros{1'000'000}}}));
    EXPECT_LE(cache_.size(), 16u);
  }
  // The newest is kept.
  const std::array last{Fixed(keys.back(), 1)};
  EXPECT_TRUE(cache_.Find(last, 1, generations_, t0_ + 1ms).has_value());
}

}  // namespace
}  // namespace limitsd::storage::redis

#include "strategy/verdict.h"

#include <gtest/gtest.h>

#include <random>

#include "limits/limit.h"
#include "limits/rate_parser.h"

namespace limitsd::strategy {
namespace {

// The first rate of `text` as `kind` sees it (fixed window unless asked).
RateParams Rate(const char* text, StrategyKind kind = StrategyKind::kFixedWindow,
                std::int64_t burst = 0) {
  const limits::Limit limit("t", kind, limits::ParseRates(text).items, burst);
  return limit.Params(0);
}

TEST(Verdict, FixedWindow) {
  const RateParams rate = Rate("10/minute");
  const RateVerdict taken = Evaluate(rate, FixedWindowState{4, Micros{30'000'000}}, 1, true);
  EXPECT_TRUE(taken.fits);
  EXPECT_EQ(taken.remaining, 6);
  EXPECT_EQ(taken.reset_ms, 30000);
  EXPECT_EQ(taken.retry_ms, 0);
  const RateVerdict full = Evaluate(rate, FixedWindowState{10, Micros{1'500}}, 1, false);
  EXPECT_FALSE(full.fits);
  EXPECT_EQ(full.remaining, 0);
  EXPECT_EQ(full.retry_ms, 2);  // rounded up
  const RateVerdict empty = Evaluate(rate, FixedWindowState{}, 1, false);
  EXPECT_TRUE(empty.fits);
  EXPECT_EQ(empty.remaining, 10);
  EXPECT_EQ(empty.reset_ms, 0);
  EXPECT_EQ(Evaluate(rate, FixedWindowState{}, 11, false).retry_ms, -1);
}

TEST(Verdict, MovingWindowRetryIsWhenTheBlockingUnitLeaves) {
  const RateParams rate = Rate("2/minute");
  // Newest unit 1 s old; the unit whose expiry lets one more in is 2 s old.
  const MovingWindowState state{2, Micros{1'000'000}, Micros{2'000'000}};
  const RateVerdict v = Evaluate(rate, state, 1, false);
  EXPECT_FALSE(v.fits);
  EXPECT_EQ(v.reset_ms, 59000);
  EXPECT_EQ(v.retry_ms, 58001);  // the unit still counts at exactly 60 s of age
}

// The sliding window's retry is the first microsecond at which the weighted count leaves
// room for the cost, checked against the definition by walking time forward.
TEST(Verdict, SlidingRetryMatchesTheDefinition) {
  std::mt19937_64 rng(42);
  const Micros expiry{1000};  // a tiny window keeps the walk short
  for (int round = 0; round < 2000; ++round) {
    const std::int64_t limit = 1 + static_cast<std::int64_t>(rng() % 20);
    const std::int64_t cost = 1 + static_cast<std::int64_t>(rng() % limit);
    SlidingWindowState s{static_cast<std::int64_t>(rng() % 25),
                         static_cast<std::int64_t>(rng() % (limit + 1)),
                         Micros{static_cast<std::int64_t>(rng() % expiry.count())}};
    auto fits_after = [&](std::int64_t t) {
      SlidingWindowState at = s;
      std::int64_t elapsed = s.elapsed.count() + t;
      while (elapsed >= expiry.count()) {  // bucket shifts
        at.previous = at.current;
        at.current = 0;
        elapsed -= expiry.count();
      }
      at.elapsed = Micros{elapsed};
      return SlidingWeightedCount(at, expiry) + cost <= limit;
    };
    if (fits_after(0)) continue;
    const std::int64_t retry = SlidingRetry(s, expiry, limit, cost).count();
    ASSERT_TRUE(fits_after(retry)) << round;
    ASSERT_FALSE(fits_after(retry - 1)) << round << " retry " << retry;
  }
}

TEST(Verdict, SlidingWindowExactAtTheBounds) {
  const RateParams rate = Rate("1000000000/10 years");
  const SlidingWindowState s{1'000'000'000, 0, rate.window / 2};
  EXPECT_EQ(SlidingWeightedCount(s, rate.window), 500'000'000);
  const RateVerdict v = Evaluate(rate, s, 600'000'000, false);
  EXPECT_FALSE(v.fits);
  // 600M fits once floor(1e9 * left / E) <= 400M, i.e. left < 0.4 E + E / 1e9: a tenth of
  // the window later, less the E / 1e9 - 1 us of slack that the floor gives.
  const Micros slack = rate.window / 1'000'000'000 - Micros{1};
  EXPECT_EQ(v.retry_ms, CeilMillis(rate.window / 10 - slack));
}

TEST(Verdict, SlidingResetIsTheEndOfTheBucketAfterTheNewestHits) {
  const RateParams rate = Rate("5/second");
  EXPECT_EQ(Evaluate(rate, SlidingWindowState{0, 3, Micros{250'000}}, 1, true).reset_ms, 1750);
  EXPECT_EQ(Evaluate(rate, SlidingWindowState{3, 0, Micros{250'000}}, 1, true).reset_ms, 750);
  EXPECT_EQ(Evaluate(rate, SlidingWindowState{}, 1, false).reset_ms, 0);
}

TEST(Verdict, GcraMapsARateToAnIntervalAndABurst) {
  const RateParams rate = Rate("10/minute", StrategyKind::kGcra);
  EXPECT_EQ(rate.limit, 10);
  EXPECT_EQ(rate.interval, Micros{6'000'000});
  EXPECT_EQ(Rate("3/second", StrategyKind::kGcra).interval, Micros{333'333});  // rounded down
  EXPECT_EQ(Rate("10/minute", StrategyKind::kGcra, 4).limit, 4);
  EXPECT_EQ(limits::CheckLimit(StrategyKind::kGcra, limits::ParseRates("2000000/second").items, 0),
            "gcra cannot run 2000000 per 1 second: one unit every window / amount is below 1 "
            "microsecond");
  EXPECT_TRUE(limits::CheckLimit(StrategyKind::kFixedWindow, limits::ParseRates("1/second").items, 2));
  EXPECT_TRUE(limits::CheckLimit(StrategyKind::kGcra, limits::ParseRates("1/10years").items, 2));
  EXPECT_FALSE(limits::CheckLimit(StrategyKind::kGcra, limits::ParseRates("1/10years").items, 1));
}

// The vectors of redis-cell's CL.THROTTLE (max_burst 4, 1 per 10 s: a bucket of 5 units,
// one back every 10 s) walked through the definition.
TEST(Verdict, GcraFollowsTheBucket) {
  const RateParams rate{5, Micros{10'000'000}, Micros{10'000'000}};
  std::int64_t tat = 0;
  const std::int64_t now = 1'700'000'000'000'000;
  const RateVerdict too_big = Evaluate(rate, GcraView(tat, now), 6, false);
  EXPECT_FALSE(too_big.fits);
  EXPECT_EQ(too_big.remaining, 5);
  EXPECT_EQ(too_big.retry_ms, -1);
  EXPECT_EQ(too_big.reset_ms, 0);
  for (std::int64_t hit = 1; hit <= 5; ++hit) {
    ASSERT_TRUE(GcraFits(GcraView(tat, now), 5, rate.interval, 1));
    tat = GcraTake(tat, now, rate.interval, 1);
    const RateVerdict v = Evaluate(rate, GcraView(tat, now), 1, true);
    EXPECT_EQ(v.remaining, 5 - hit);
    EXPECT_EQ(v.reset_ms, hit * 10'000);
  }
  const RateVerdict denied = Evaluate(rate, GcraView(tat, now), 1, false);
  EXPECT_FALSE(denied.fits);
  EXPECT_EQ(denied.remaining, 0);
  EXPECT_EQ(denied.retry_ms, 10'000);
  EXPECT_EQ(denied.reset_ms, 50'000);
  // One interval later one unit is back, and only one.
  const std::int64_t later = now + 10'000'000;
  EXPECT_EQ(Evaluate(rate, GcraView(tat, later), 1, false).remaining, 1);
  EXPECT_TRUE(Evaluate(rate, GcraView(tat, later), 1, false).fits);
  EXPECT_FALSE(Evaluate(rate, GcraView(tat, later), 2, false).fits);
  EXPECT_EQ(Evaluate(rate, GcraView(tat, later), 2, false).retry_ms, 10'000);
  // A TAT in the past is a full bucket.
  EXPECT_EQ(GcraView(now, now + 1), GcraState{});
  EXPECT_EQ(GcraTake(now, now + 7, rate.interval, 2), now + 7 + 20'000'000);
}

TEST(Verdict, GcraExactAtTheBounds) {
  // A billion units per ten years, one unit per 315.36 ms: the bucket is the whole window.
  const RateParams rate = Rate("1000000000/10 years", StrategyKind::kGcra);
  EXPECT_EQ(rate.interval.count(), rate.window.count() / 1'000'000'000);
  const GcraState half{Micros{rate.interval.count() * 500'000'000}};
  EXPECT_EQ(Evaluate(rate, half, 1, false).remaining, 500'000'000);
  EXPECT_TRUE(Evaluate(rate, half, 500'000'000, false).fits);
  const RateVerdict v = Evaluate(rate, half, 500'000'001, false);
  EXPECT_FALSE(v.fits);
  EXPECT_EQ(v.retry_ms, CeilMillis(rate.interval));
}

}  // namespace
}  // namespace limitsd::strategy

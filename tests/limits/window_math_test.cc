#include "limits/window_math.h"

#include <gtest/gtest.h>

#include <random>

#include "limits/rate_parser.h"

namespace limitsd::limits {
namespace {

using storage::FixedWindowState;
using storage::Micros;
using storage::MovingWindowState;
using storage::SlidingWindowState;

RateLimitItem Rate(const char* text) { return ParseRates(text).items.at(0); }

TEST(WindowMath, FixedWindow) {
  const RateLimitItem rate = Rate("10/minute");
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

TEST(WindowMath, MovingWindowRetryIsWhenTheBlockingUnitLeaves) {
  const RateLimitItem rate = Rate("2/minute");
  // Newest unit 1 s old; the unit whose expiry lets one more in is 2 s old.
  const MovingWindowState state{2, Micros{1'000'000}, Micros{2'000'000}};
  const RateVerdict v = Evaluate(rate, state, 1, false);
  EXPECT_FALSE(v.fits);
  EXPECT_EQ(v.reset_ms, 59000);
  EXPECT_EQ(v.retry_ms, 58001);  // the unit still counts at exactly 60 s of age
}

// The sliding window's retry is the first microsecond at which the weighted count leaves
// room for the cost, checked against the definition by walking time forward.
TEST(WindowMath, SlidingRetryMatchesTheDefinition) {
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
      return storage::SlidingWeightedCount(at, expiry) + cost <= limit;
    };
    if (fits_after(0)) continue;
    const std::int64_t retry = SlidingRetry(s, expiry, limit, cost).count();
    ASSERT_TRUE(fits_after(retry)) << round;
    ASSERT_FALSE(fits_after(retry - 1)) << round << " retry " << retry;
  }
}

TEST(WindowMath, SlidingWindowExactAtTheBounds) {
  const RateLimitItem rate = Rate("1000000000/10 years");
  const SlidingWindowState s{1'000'000'000, 0, rate.Expiry() / 2};
  EXPECT_EQ(storage::SlidingWeightedCount(s, rate.Expiry()), 500'000'000);
  const RateVerdict v = Evaluate(rate, s, 600'000'000, false);
  EXPECT_FALSE(v.fits);
  // 600M fits once floor(1e9 * left / E) <= 400M, i.e. left < 0.4 E + E / 1e9: a tenth of
  // the window later, less the E / 1e9 - 1 us of slack that the floor gives.
  const Micros slack = rate.Expiry() / 1'000'000'000 - Micros{1};
  EXPECT_EQ(v.retry_ms, CeilMillis(rate.Expiry() / 10 - slack));
}

TEST(WindowMath, SlidingResetIsTheEndOfTheBucketAfterTheNewestHits) {
  const RateLimitItem rate = Rate("5/second");
  EXPECT_EQ(Evaluate(rate, SlidingWindowState{0, 3, Micros{250'000}}, 1, true).reset_ms, 1750);
  EXPECT_EQ(Evaluate(rate, SlidingWindowState{3, 0, Micros{250'000}}, 1, true).reset_ms, 750);
  EXPECT_EQ(Evaluate(rate, SlidingWindowState{}, 1, false).reset_ms, 0);
}

}  // namespace
}  // namespace limitsd::limits

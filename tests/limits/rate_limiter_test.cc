#include "limits/rate_limiter.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "limits/rate_parser.h"
#include "storage/memory/memory_storage.h"
#include "tests/limits/primitives_only_storage.h"
#include "tests/storage/conformance/run_task.h"

namespace limitsd::limits {
namespace {

using storage::conformance::RunTask;
using std::chrono::milliseconds;

// A start time that is a whole number of hours, so sliding-window buckets begin with it.
constexpr Micros kStart{1'699'999'200'000'000};

// Each step advances the clock, sends one request and checks the reply in the line
// protocol's words: "OK|DENY <limit> <remaining> <reset_ms> <retry_ms>".
struct Step {
  std::int64_t advance_ms;
  std::string verb;  // HIT TEST STATS RESET
  std::int64_t cost;
  std::string expect;
};

// The three ways a decision reaches a store.
enum class Path {
  kMultiRate,   ///< awaited MultiRateSupport::TakeAll (one atomic step), as on Redis
  kPrimitives,  ///< awaited, through the primitives and per-strategy capabilities
  kImmediate,   ///< ready at once over ImmediateTakeSupport (no coroutine), as on memory://
};

// Runs every scenario through each Path; all must give the same answers.
class RateLimiterTest : public ::testing::TestWithParam<Path> {
 protected:
  RateLimiterTest()
      : clock_(std::make_shared<ManualClock>(kStart)),
        memory_(clock_, 16),
        primitives_(memory_, GetParam() == Path::kMultiRate),
        limiter_(GetParam() == Path::kImmediate ? static_cast<storage::Storage&>(memory_)
                                                : primitives_) {}

  // The front doors' one call: RateLimiter::Decide, awaited when it is not ready.
  Result<Decision> Decide(const Limit& limit, const std::string& verb, std::int64_t cost,
                          std::string_view key) {
    const auto mode = verb == "HIT" ? storage::TakeMode::kHit : storage::TakeMode::kPeek;
    // As the daemon decides a pipelined request: prefetched first, with its location.
    storage::KeyLocation at;
    if (prefetch_) {
      limiter_.Prefetch(limit, key, &at);
      // Filled by memory:// only, for a limit of one fixed-window rate.
      EXPECT_EQ(at.empty(), GetParam() != Path::kImmediate || limit.rates().size() != 1 ||
                                limit.strategy() != StrategyKind::kFixedWindow ||
                                !limit.keys().keyed);
    }
    storage::Pending<Result<Decision>> pending =
        limiter_.Decide(limit, key, verb == "STATS" ? 1 : cost, mode, prefetch_ ? &at : nullptr);
    EXPECT_EQ(pending.ready(), GetParam() == Path::kImmediate);
    if (pending.ready()) return std::move(pending).value();
    return RunTask(io_, std::move(pending).Wait());
  }

  std::string Run(const Limit& limit, const std::string& verb, std::int64_t cost,
                  std::string_view key = "k") {
    if (verb == "RESET") {
      const auto r = RunTask(io_, limiter_.Clear(limit, key));
      return r ? "OK" : "ERR " + r.error().message();
    }
    const Result<Decision> r = Decide(limit, verb, cost, key);
    if (!r) return "ERR " + r.error().message();
    return (r->allowed ? "OK " : "DENY ") + std::to_string(r->limit) + " " +
           std::to_string(r->remaining) + " " + std::to_string(r->reset_ms) + " " +
           std::to_string(r->retry_ms);
  }

  void Play(const char* spec, const std::vector<Step>& steps) {
    const auto parsed = ParseInlineLimit(spec, StrategyKind::kFixedWindow);
    ASSERT_TRUE(parsed.limit) << parsed.error;
    int i = 0;
    for (const Step& step : steps) {
      clock_->Advance(milliseconds(step.advance_ms));
      EXPECT_EQ(Run(*parsed.limit, step.verb, step.cost), step.expect)
          << spec << " step " << i << " (" << step.verb << " " << step.cost << ")";
      ++i;
    }
  }

  bool prefetch_ = false;  ///< each decision prefetched first, and given its location
  boost::asio::io_context io_;
  std::shared_ptr<ManualClock> clock_;
  storage::memory::MemoryStorage memory_;
  PrimitivesOnlyStorage primitives_;
  RateLimiter limiter_;
};

TEST_P(RateLimiterTest, FixedWindowCountsUntilTheWindowEnds) {
  Play("10/2seconds", {{0, "STATS", 1, "OK 10 10 0 0"},
                       {0, "HIT", 1, "OK 10 9 2000 0"},
                       {0, "HIT", 8, "OK 10 1 2000 0"},
                       {500, "HIT", 1, "OK 10 0 1500 0"},
                       {0, "HIT", 1, "DENY 10 0 1500 1500"},
                       {0, "STATS", 1, "DENY 10 0 1500 1500"},
                       {1500, "HIT", 1, "OK 10 9 2000 0"}});
}

TEST_P(RateLimiterTest, FixedWindowCostAndDeniedHitsConsumeNothing) {
  Play("10/2minutes", {{0, "HIT", 11, "DENY 10 10 0 -1"},
                       {0, "HIT", 5, "OK 10 5 120000 0"},
                       {0, "TEST", 6, "DENY 10 5 120000 120000"},
                       {0, "HIT", 6, "DENY 10 5 120000 120000"},
                       {0, "HIT", 5, "OK 10 0 120000 0"}});
}

TEST_P(RateLimiterTest, FixedWindowTestConsumesNothing) {
  Play("2/hour", {{0, "HIT", 1, "OK 2 1 3600000 0"},
                  {0, "TEST", 1, "OK 2 1 3600000 0"},
                  {0, "HIT", 1, "OK 2 0 3600000 0"},
                  {0, "TEST", 1, "DENY 2 0 3600000 3600000"},
                  {0, "HIT", 1, "DENY 2 0 3600000 3600000"},
                  {0, "RESET", 1, "OK"},
                  {0, "HIT", 1, "OK 2 1 3600000 0"}});
}

// 5 per 10 s: one unit every 2 s, a bucket of 5.
TEST_P(RateLimiterTest, GcraRefillsOneUnitPerInterval) {
  Play("gcra:5/10seconds", {{0, "STATS", 1, "OK 5 5 0 0"},
                            {0, "HIT", 6, "DENY 5 5 0 -1"},
                            {0, "HIT", 3, "OK 5 2 6000 0"},
                            {0, "TEST", 3, "DENY 5 2 6000 2000"},
                            {0, "HIT", 2, "OK 5 0 10000 0"},
                            {0, "HIT", 1, "DENY 5 0 10000 2000"},
                            {1999, "HIT", 1, "DENY 5 0 8001 1"},
                            {1, "HIT", 1, "OK 5 0 10000 0"},
                            {0, "RESET", 1, "OK"},
                            {0, "STATS", 1, "OK 5 5 0 0"}});
}

TEST_P(RateLimiterTest, MovingWindowFreesUnitsAsTheyAge) {
  Play("moving-window:2/minute", {{0, "STATS", 1, "OK 2 2 0 0"},
                                  {0, "HIT", 1, "OK 2 1 60000 0"},
                                  {1000, "HIT", 1, "OK 2 0 60000 0"},
                                  {1000, "HIT", 1, "DENY 2 0 59000 58001"},
                                  {58000, "HIT", 1, "DENY 2 0 1000 1"},
                                  {1, "HIT", 1, "OK 2 0 60000 0"}});
}

TEST_P(RateLimiterTest, MovingWindowWithCosts) {
  Play("moving-window:10/2seconds", {{0, "HIT", 11, "DENY 10 10 0 -1"},
                                     {0, "HIT", 5, "OK 10 5 2000 0"},
                                     {1800, "HIT", 4, "OK 10 1 2000 0"},
                                     {0, "TEST", 2, "DENY 10 1 2000 201"},
                                     {0, "HIT", 2, "DENY 10 1 2000 201"},
                                     {0, "HIT", 1, "OK 10 0 2000 0"},
                                     {201, "HIT", 5, "OK 10 0 2000 0"},
                                     {0, "HIT", 1, "DENY 10 0 2000 1800"}});
}

TEST_P(RateLimiterTest, MovingWindowHugeCostIsOneRun) {
  Play("moving-window:1000000/2seconds", {{0, "HIT", 1, "OK 1000000 999999 2000 0"},
                                          {0, "HIT", 999999, "OK 1000000 0 2000 0"},
                                          {0, "HIT", 1, "DENY 1000000 0 2000 2001"},
                                          {0, "RESET", 1, "OK"},
                                          {0, "STATS", 1, "OK 1000000 1000000 0 0"}});
}

TEST_P(RateLimiterTest, SlidingWindowCounterWeighsThePreviousBucket) {
  Play("sliding-window-counter:5/second", {{0, "HIT", 3, "OK 5 2 2000 0"},
                                           {0, "HIT", 3, "DENY 5 2 2000 1001"},
                                           // a third into the next bucket: 3 * 2/3 = 2 left
                                           {1000 + 333, "STATS", 1, "OK 5 3 667 0"},
                                           {0, "HIT", 3, "OK 5 0 1667 0"},
                                           // 3 * 667/1000 floors to 1 just 334 us later
                                           {0, "HIT", 1, "DENY 5 0 1667 1"},
                                           {1, "HIT", 1, "OK 5 0 1666 0"}});
}

TEST_P(RateLimiterTest, SlidingWindowCounterForgetsAfterTwoBuckets) {
  Play("sliding-window-counter:10/second", {{0, "HIT", 10, "OK 10 0 2000 0"},
                                            {0, "HIT", 1, "DENY 10 0 2000 1001"},
                                            {2000, "STATS", 1, "OK 10 10 0 0"}});
}

TEST_P(RateLimiterTest, SeveralRatesAreAllOrNothing) {
  Play("1/second;3/minute", {{0, "HIT", 1, "OK 1 0 1000 0"},
                             {0, "HIT", 1, "DENY 1 0 1000 1000"},
                             {1000, "HIT", 1, "OK 1 0 1000 0"},
                             {1000, "HIT", 1, "OK 3 0 58000 0"},
                             {1000, "HIT", 1, "DENY 3 0 57000 57000"}});
  // The denied hit took nothing from the 1/second rate: the same rate under the same
  // limit name still has its unit.
  const Limit second_only("1/second;3/minute", StrategyKind::kFixedWindow,
                          ParseRates("1/second").items);
  EXPECT_EQ(Run(second_only, "STATS", 1), "OK 1 1 0 0");
}

TEST_P(RateLimiterTest, KeysAndLimitsAreIndependent) {
  const auto limit = ParseInlineLimit("1/minute", StrategyKind::kFixedWindow).limit;
  EXPECT_EQ(Run(*limit, "HIT", 1, "a"), "OK 1 0 60000 0");
  EXPECT_EQ(Run(*limit, "HIT", 1, "b"), "OK 1 0 60000 0");
  const Limit moving("1/minute", StrategyKind::kMovingWindow, limit->rates());
  EXPECT_EQ(Run(moving, "HIT", 1, "a"), "OK 1 0 60000 0");
}

// On memory:// a limit's keys are taken in hashed form and RESET clears them by their
// written keys: both reach the same counters, whatever the user's key holds. A limit whose
// written keys would not split back into its name and key (a name with a space) is decided
// on its written keys, which RESET reaches the same way.
TEST_P(RateLimiterTest, ResetReachesWhatHitsTookWhateverTheKeyHolds) {
  const Limit keyed("api", StrategyKind::kFixedWindow, ParseRates("2/minute").items);
  const Limit spaced("my api", StrategyKind::kFixedWindow, ParseRates("2/minute").items);
  EXPECT_TRUE(keyed.keys().keyed);
  EXPECT_FALSE(spaced.keys().keyed);
  for (const Limit* limit : {&keyed, &spaced}) {
    for (const std::string key : {"k", "a} b{", "}", "a b"}) {
      const std::string what = limit->name() + " for '" + key + "'";
      EXPECT_EQ(Run(*limit, "HIT", 1, key), "OK 2 1 60000 0") << what;
      EXPECT_EQ(Run(*limit, "HIT", 1, key), "OK 2 0 60000 0") << what;
      EXPECT_EQ(Run(*limit, "HIT", 1, key), "DENY 2 0 60000 60000") << what;
      EXPECT_EQ(Run(*limit, "RESET", 1, key), "OK") << what;
      EXPECT_EQ(Run(*limit, "STATS", 1, key), "OK 2 2 0 0") << what;
      EXPECT_EQ(Run(*limit, "HIT", 1, key), "OK 2 1 60000 0") << what;
    }
  }
  // The two limits, and the users, kept their own counters.
  EXPECT_EQ(Run(keyed, "HIT", 1, "k"), "OK 2 0 60000 0");
  EXPECT_EQ(Run(spaced, "HIT", 1, "k"), "OK 2 0 60000 0");
}

// A decision given the location its prefetch filled answers as one without it, on every
// path: a store that does not take keyed calls ignores it, and memory:// fills it only for a
// limit of one fixed-window rate.
TEST_P(RateLimiterTest, ALocationFromAPrefetchChangesNoAnswer) {
  prefetch_ = true;
  Play("10/2seconds", {{0, "STATS", 1, "OK 10 10 0 0"},
                       {0, "HIT", 1, "OK 10 9 2000 0"},
                       {0, "HIT", 11, "DENY 10 9 2000 -1"},
                       {0, "TEST", 9, "OK 10 9 2000 0"},
                       {500, "HIT", 9, "OK 10 0 1500 0"},
                       {0, "HIT", 1, "DENY 10 0 1500 1500"},
                       {1500, "HIT", 1, "OK 10 9 2000 0"}});
  Play("1/second;3/minute", {{0, "HIT", 1, "OK 1 0 1000 0"},
                             {0, "HIT", 1, "DENY 1 0 1000 1000"},
                             {1000, "HIT", 1, "OK 1 0 1000 0"},
                             {1000, "HIT", 1, "OK 3 0 58000 0"},
                             {1000, "HIT", 1, "DENY 3 0 57000 57000"}});
  Play("gcra:5/10seconds", {{0, "HIT", 3, "OK 5 2 6000 0"}, {0, "TEST", 3, "DENY 5 2 6000 2000"}});
  const Limit spaced("my api", StrategyKind::kFixedWindow, ParseRates("2/minute").items);
  EXPECT_EQ(Run(spaced, "HIT", 1, "k"), "OK 2 1 60000 0");
  EXPECT_EQ(Run(spaced, "HIT", 1, "k"), "OK 2 0 60000 0");
}

TEST_P(RateLimiterTest, OnlyAnImmediateStorageAnswersAtOnce) {
  const auto limit = ParseInlineLimit("1/minute", StrategyKind::kFixedWindow).limit;
  const auto pending = limiter_.Decide(*limit, "k", 1, storage::TakeMode::kHit);
  EXPECT_EQ(pending.ready(), GetParam() == Path::kImmediate);
}

INSTANTIATE_TEST_SUITE_P(Paths, RateLimiterTest,
                         ::testing::Values(Path::kMultiRate, Path::kPrimitives, Path::kImmediate),
                         [](const auto& info) {
                           switch (info.param) {
                             case Path::kMultiRate: return "MultiRate";
                             case Path::kPrimitives: return "Primitives";
                             case Path::kImmediate: return "Immediate";
                           }
                           return "Unknown";
                         });

TEST(Combine, PicksTheBindingRate) {
  const Limit limit("x", StrategyKind::kFixedWindow, ParseRates("10/second;100/hour").items);
  const std::vector<RateVerdict> both_fit = {{true, 5, 100, 0}, {true, 5, 200, 0}};
  EXPECT_EQ(Combine(limit, both_fit, true).binding, 1u);  // tie on remaining: longer window
  const std::vector<RateVerdict> one_denies = {{false, 0, 100, 100}, {true, 50, 200, 0}};
  EXPECT_EQ(Combine(limit, one_denies, false).binding, 0u);
  const std::vector<RateVerdict> never = {{false, 0, 100, 100}, {false, 0, 0, -1}};
  const Decision d = Combine(limit, never, false);
  EXPECT_EQ(d.binding, 1u);
  EXPECT_EQ(d.retry_ms, -1);
}

}  // namespace
}  // namespace limitsd::limits

// Concurrency cases (reference §7 case 24): 100 hits at once, from 4 threads of 25
// coroutines each, on one key of limit 5; exactly 5 pass, for every strategy and path.

#include <chrono>
#include <string>
#include <vector>

#include "tests/storage/conformance/storage_conformance.h"

namespace limitsd::storage::conformance {
namespace {

using std::chrono::seconds;

constexpr int kPerThread = 25;
constexpr std::int64_t kLimit = 5;
// A day-long sliding window: no bucket boundary falls within the test.
constexpr Micros kDay = seconds(86400);

TEST_P(StorageConformance, ConcurrentIncrementsAdmitExactlyTheLimit) {
  // The primitive path of the fixed window: increment, give back when over the limit.
  const std::string key = Key("k");
  Storage& s = storage();
  const int admitted = CountAdmitted(
      [&]() -> Task<bool> {
        const Result<std::int64_t> count = co_await s.Incr(key, seconds(60), 1);
        if (!count) {
          ADD_FAILURE() << count.error().message();
          co_return false;
        }
        if (*count <= kLimit) co_return true;
        const Result<void> back = co_await s.Decr(key, 1);
        if (!back) ADD_FAILURE() << back.error().message();
        co_return false;
      },
      kPerThread);
  EXPECT_EQ(admitted, kLimit);
  EXPECT_EQ(Run(storage().Get(key)).value(), kLimit);
}

TEST_P(StorageConformance, ConcurrentMovingWindowAdmitsExactlyTheLimit) {
  LIMITSD_REQUIRE_CAPABILITY(moving_window);
  const std::string key = Key("k");
  MovingWindowSupport* moving = storage().AsMovingWindow();
  const int admitted = CountAdmitted(
      [&]() -> Task<bool> {
        const Result<bool> taken = co_await moving->AcquireEntry(key, kLimit, seconds(60), 1);
        if (!taken) ADD_FAILURE() << taken.error().message();
        co_return taken && *taken;
      },
      kPerThread);
  EXPECT_EQ(admitted, kLimit);
  EXPECT_EQ(MovingState(key, kLimit, seconds(60), 1).count, kLimit);
}

TEST_P(StorageConformance, ConcurrentSlidingWindowAdmitsExactlyTheLimit) {
  LIMITSD_REQUIRE_CAPABILITY(sliding_window_counter);
  const std::string key = Key("k");
  SlidingWindowCounterSupport* sliding = storage().AsSlidingWindowCounter();
  const int admitted = CountAdmitted(
      [&]() -> Task<bool> {
        const Result<bool> taken = co_await sliding->AcquireSlidingWindowEntry(key, kLimit, kDay, 1);
        if (!taken) ADD_FAILURE() << taken.error().message();
        co_return taken && *taken;
      },
      kPerThread);
  EXPECT_EQ(admitted, kLimit);
}

TEST_P(StorageConformance, ConcurrentGcraAdmitsExactlyTheBurst) {
  LIMITSD_REQUIRE_CAPABILITY(gcra);
  GcraSupport* gcra = storage().AsGcra();
  const std::string key = Key("gcra");
  const int admitted = CountAdmitted(
      [&]() -> Task<bool> {
        const Result<bool> taken = co_await gcra->AcquireGcra(key, kLimit, kDay, 1);
        if (!taken) ADD_FAILURE() << taken.error().message();
        co_return taken && *taken;
      },
      kPerThread);
  EXPECT_EQ(admitted, kLimit);
}

TEST_P(StorageConformance, ConcurrentTakeAllAdmitsExactlyTheLimit) {
  LIMITSD_REQUIRE_CAPABILITY(multi_rate);
  MultiRateSupport* multi = storage().AsMultiRate();
  std::vector<std::pair<StrategyKind, Micros>> kinds = {{StrategyKind::kFixedWindow, seconds(60)}};
  if (Declared().moving_window) kinds.emplace_back(StrategyKind::kMovingWindow, seconds(60));
  if (Declared().sliding_window_counter) {
    kinds.emplace_back(StrategyKind::kSlidingWindowCounter, kDay);
  }
  if (Declared().gcra) kinds.emplace_back(StrategyKind::kGcra, kDay);
  // A gcra bucket of `limit` units gets one back every window / limit: a day here.
  const auto rate = [](const std::string& key, StrategyKind kind, std::int64_t limit,
                       Micros window) {
    const Micros interval = kind == StrategyKind::kGcra ? window / limit : Micros{0};
    return RateQuery{key, kind, limit, window, interval};
  };
  std::vector<std::string> keys;
  for (std::size_t i = 0; i < kinds.size(); ++i) keys.push_back(TaggedKey("user", std::to_string(i)));
  std::vector<RateQuery> all;
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    const std::vector<RateQuery> one = {rate(keys[i], kinds[i].first, kLimit, kinds[i].second)};
    const auto hit = [&]() -> Task<bool> {
      const Result<TakeOutcome> outcome = co_await multi->TakeAll(one, 1, TakeMode::kHit);
      if (!outcome) ADD_FAILURE() << outcome.error().message();
      co_return outcome && outcome->taken;
    };
    EXPECT_EQ(CountAdmitted(hit, kPerThread), kLimit) << StrategyName(kinds[i].first);
  }
  // Every rate together, on fresh keys with limits 5, 6, 7...: the tightest binds.
  std::vector<std::string> fresh;
  for (std::size_t i = 0; i < kinds.size(); ++i) fresh.push_back(TaggedKey("all", std::to_string(i)));
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    all.push_back(
        rate(fresh[i], kinds[i].first, kLimit + static_cast<std::int64_t>(i), kinds[i].second));
  }
  const auto hit_all = [&]() -> Task<bool> {
    const Result<TakeOutcome> outcome = co_await multi->TakeAll(all, 1, TakeMode::kHit);
    if (!outcome) ADD_FAILURE() << outcome.error().message();
    co_return outcome && outcome->taken;
  };
  EXPECT_EQ(CountAdmitted(hit_all, kPerThread), kLimit);
}

}  // namespace
}  // namespace limitsd::storage::conformance

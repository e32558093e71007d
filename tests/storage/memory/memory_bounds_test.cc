// The memory store's bound on entries: storage.options.max_keys and when_full.
#include "storage/memory/memory_storage.h"

#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "storage/configuration_error.h"
#include "tests/storage/conformance/run_task.h"

namespace limitsd::storage::memory {
namespace {

using conformance::RunTask;
using std::chrono::seconds;

RateQuery Fixed(std::string_view key, Micros window, std::int64_t limit = 10) {
  return {key, StrategyKind::kFixedWindow, limit, window};
}

Result<TakeOutcome> Hit(MemoryStorage& store, const RateQuery& rate, std::int64_t cost = 1) {
  return store.TakeAllNow({&rate, 1}, cost, TakeMode::kHit);
}

class MemoryBoundsTest : public ::testing::Test {
 protected:
  MemoryStorage Store(std::size_t max_keys, WhenFull when_full, std::size_t shards = 1) {
    return MemoryStorage(clock_, shards, MemoryBounds{max_keys, when_full});
  }
  std::int64_t CountOf(MemoryStorage& store, const std::string& key) {
    return RunTask(io_, store.Get(key)).value();
  }

  boost::asio::io_context io_;
  std::shared_ptr<ManualClock> clock_ = std::make_shared<ManualClock>();
};

TEST_F(MemoryBoundsTest, DenyRefusesANewKeyWhenFullAndKeepsServingStoredOnes) {
  MemoryStorage store = Store(4, WhenFull::kDeny);
  const std::string keys[] = {"a", "b", "c", "d"};
  for (const std::string& key : keys) ASSERT_TRUE(Hit(store, Fixed(key, seconds(10)))->taken);

  const Result<TakeOutcome> refused = Hit(store, Fixed("e", seconds(10)));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(), StorageErrc::kFull);
  EXPECT_NE(refused.error().message().find("max_keys"), std::string::npos);
  // Stored keys are still counted; peeking at an absent one stores nothing and works.
  EXPECT_TRUE(Hit(store, Fixed("a", seconds(10)))->taken);
  EXPECT_EQ(CountOf(store, "a"), 2);
  const RateQuery absent = Fixed("e", seconds(10));
  EXPECT_TRUE(store.TakeAllNow({&absent, 1}, 1, TakeMode::kPeek));
  // A cost that can never pass needs no room: denied, not refused.
  EXPECT_FALSE(Hit(store, Fixed("e", seconds(10), 5), 6)->taken);

  const MemoryStats stats = store.Counts();
  EXPECT_EQ(stats.Entries(), 4u);
  EXPECT_EQ(stats.refused, 1u);
  EXPECT_EQ(stats.evicted, 0u);

  // Once the stored windows end, their entries make room for new keys.
  clock_->Advance(seconds(10));
  EXPECT_TRUE(Hit(store, Fixed("e", seconds(10)))->taken);
  EXPECT_LE(store.Counts().Entries(), 4u);
}

TEST_F(MemoryBoundsTest, DenyIsAllOrNothingAcrossTheRatesOfARequest) {
  MemoryStorage store = Store(4, WhenFull::kDeny);
  for (const char* key : {"{x}/1", "{x}/2", "{y}/1"}) {
    ASSERT_TRUE(Hit(store, Fixed(key, seconds(60)))->taken);
  }
  // Two new entries, room for one: nothing is taken.
  const std::vector<RateQuery> two = {Fixed("{z}/1", seconds(60)), Fixed("{z}/2", seconds(60))};
  const Result<TakeOutcome> refused = store.TakeAllNow(two, 1, TakeMode::kHit);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(), StorageErrc::kFull);
  EXPECT_EQ(store.Counts().Entries(), 3u);
  EXPECT_EQ(CountOf(store, "{z}/1"), 0);
  // One stored and one new entry: fits.
  const std::vector<RateQuery> mixed = {Fixed("{x}/1", seconds(60)), Fixed("{x}/3", seconds(60))};
  EXPECT_TRUE(store.TakeAllNow(mixed, 1, TakeMode::kHit)->taken);
  EXPECT_EQ(store.Counts().Entries(), 4u);
  EXPECT_EQ(CountOf(store, "{x}/1"), 2);
}

TEST_F(MemoryBoundsTest, EveryPrimitiveThatStoresRespectsTheBound) {
  MemoryStorage store = Store(1, WhenFull::kDeny);
  ASSERT_TRUE(store.IncrNow("k", seconds(60), 1));
  EXPECT_EQ(store.IncrNow("k", seconds(60), 1).value(), 2);  // stored: still served
  EXPECT_EQ(store.IncrNow("other", seconds(60), 1).error(), StorageErrc::kFull);
  EXPECT_EQ(store.AcquireEntryNow("m", 5, seconds(60), 1).error(), StorageErrc::kFull);
  EXPECT_EQ(store.AcquireSlidingNow("s", 5, seconds(60), 1).error(), StorageErrc::kFull);
  EXPECT_EQ(RunTask(io_, store.AcquireGcra("g", 5, seconds(1), 1)).error(), StorageErrc::kFull);
  EXPECT_EQ(RunTask(io_, store.Incr("other", seconds(60), 1)).error(), StorageErrc::kFull);
  // A moving window that denies stores nothing and is answered, not refused.
  EXPECT_FALSE(store.AcquireEntryNow("m", 5, seconds(60), 6).value());
  EXPECT_EQ(store.Counts().Entries(), 1u);
  EXPECT_EQ(store.Counts().refused, 5u);
}

TEST_F(MemoryBoundsTest, EvictRemovesTheEntryThatExpiresSoonest) {
  MemoryStorage store = Store(4, WhenFull::kEvict);
  ASSERT_TRUE(Hit(store, Fixed("a", seconds(60)))->taken);
  ASSERT_TRUE(Hit(store, Fixed("soon", seconds(5)))->taken);
  ASSERT_TRUE(Hit(store, Fixed("c", seconds(60)))->taken);
  ASSERT_TRUE(Hit(store, Fixed("d", seconds(30)))->taken);
  ASSERT_TRUE(Hit(store, Fixed("a", seconds(60)))->taken);

  EXPECT_TRUE(Hit(store, Fixed("new", seconds(60)))->taken);
  EXPECT_EQ(CountOf(store, "soon"), 0);
  EXPECT_EQ(CountOf(store, "a"), 2);
  EXPECT_EQ(CountOf(store, "c"), 1);
  EXPECT_EQ(CountOf(store, "d"), 1);
  EXPECT_EQ(CountOf(store, "new"), 1);
  const MemoryStats stats = store.Counts();
  EXPECT_EQ(stats.Entries(), 4u);
  EXPECT_EQ(stats.evicted, 1u);
  EXPECT_EQ(stats.refused, 0u);
}

TEST_F(MemoryBoundsTest, EvictFreesASixteenthOfTheShardAtOnceSoonestFirst) {
  MemoryStorage store = Store(64, WhenFull::kEvict);
  for (int i = 0; i < 64; ++i) {
    ASSERT_TRUE(Hit(store, Fixed("k" + std::to_string(i), seconds(100 + i)))->taken);
  }
  ASSERT_TRUE(Hit(store, Fixed("new", seconds(1000)))->taken);
  EXPECT_EQ(store.Counts().evicted, 4u);
  EXPECT_EQ(store.Counts().Entries(), 61u);
  for (int i = 0; i < 64; ++i) {
    EXPECT_EQ(CountOf(store, "k" + std::to_string(i)), i < 4 ? 0 : 1) << i;
  }
}

TEST_F(MemoryBoundsTest, AFloodOfNewKeysNeverGrowsTheStorePastTheBound) {
  for (const WhenFull when_full : {WhenFull::kDeny, WhenFull::kEvict}) {
    MemoryStorage store = Store(1024, when_full, 16);  // 64 per shard
    int taken = 0;
    int refused = 0;
    for (int i = 0; i < 20'000; ++i) {
      const Result<TakeOutcome> hit = Hit(store, Fixed("flood" + std::to_string(i), seconds(60)));
      if (hit) {
        taken += hit->taken ? 1 : 0;
      } else {
        EXPECT_EQ(hit.error(), StorageErrc::kFull);
        ++refused;
      }
      ASSERT_LE(store.Counts().Entries(), 1024u);
    }
    const MemoryStats stats = store.Counts();
    if (when_full == WhenFull::kDeny) {
      // 20,000 keys fill every one of the 16 shards.
      EXPECT_EQ(taken, 1024);
      EXPECT_EQ(refused, 20'000 - 1024);
      EXPECT_EQ(stats.refused, 20'000u - 1024u);
      EXPECT_EQ(stats.Entries(), 1024u);
    } else {
      EXPECT_EQ(taken, 20'000);
      EXPECT_EQ(refused, 0);
      EXPECT_GE(stats.evicted, 20'000u - 1024u);
    }
  }
}

TEST_F(MemoryBoundsTest, Options) {
  StorageContext context;
  context.uri = ParseStorageUri("memory://");
  {
    const MemoryStorage store(context);
    EXPECT_EQ(store.Bounds().max_keys, MemoryStorage::DefaultMaxKeys());
    EXPECT_EQ(store.Bounds().when_full, WhenFull::kDeny);
    EXPECT_EQ(store.ShardCount(), 256u);
  }
  EXPECT_EQ(MemoryStorage::DefaultMaxKeys(),
            MemoryStorage::AvailableMemoryBytes() / 4 / MemoryStorage::kBytesPerKeyBound);
  context.options = {{"max_keys", "1000000"}, {"when_full", "evict"}};
  {
    const MemoryStorage store(context);
    EXPECT_EQ(store.Bounds().max_keys, 1'000'000u);
    EXPECT_EQ(store.Bounds().when_full, WhenFull::kEvict);
    EXPECT_EQ(store.ShardCount(), 256u);
  }
  // A small bound gets fewer shards by default, so that each holds at least 1024 keys.
  context.options = {{"max_keys", "100"}};
  EXPECT_EQ(MemoryStorage(context).ShardCount(), 1u);
  context.options = {{"max_keys", "5000"}};
  EXPECT_EQ(MemoryStorage(context).ShardCount(), 4u);
  context.options = {{"max_keys", "6400"}, {"shards", "100"}};  // 128 shards: 50 each
  EXPECT_THROW(MemoryStorage{context}, ConfigurationError);
  context.options = {{"max_keys", "8192"}, {"shards", "128"}};
  EXPECT_EQ(MemoryStorage(context).ShardCount(), 128u);
  for (const char* bad : {"0", "-1", "lots", ""}) {
    context.options = {{"max_keys", bad}};
    EXPECT_THROW(MemoryStorage{context}, ConfigurationError) << bad;
  }
  context.options = {{"when_full", "drop"}};
  EXPECT_THROW(MemoryStorage{context}, ConfigurationError);

  // Validation reports every problem at once, naming the options.
  std::vector<StorageProblem> problems;
  context.problems = &problems;
  context.options = {{"max_keys", "0"}, {"when_full", "drop"}};
  MemoryStorage::ValidateOptions(context);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].option, "max_keys");
  EXPECT_EQ(problems[1].option, "when_full");
  EXPECT_NE(problems[1].message.find("deny or evict"), std::string::npos);
}

}  // namespace
}  // namespace limitsd::storage::memory

namespace limitsd::storage::memory {
namespace {

// Reclamation by time, with no traffic: the timer's tick (ReclaimTick).
class MemoryReclaimTimerTest : public ::testing::Test {
 protected:
  void Fill(MemoryStorage& store, int keys, Micros window, const std::string& prefix = "k") {
    for (int i = 0; i < keys; ++i) {
      ASSERT_TRUE(Hit(store, Fixed(prefix + std::to_string(i), window))->taken);
    }
  }

  std::shared_ptr<ManualClock> clock_ = std::make_shared<ManualClock>();
};

TEST_F(MemoryReclaimTimerTest, AQuietStoreLosesItsExpiredEntriesInBoundedTicks) {
  MemoryStorage store(clock_, 16);
  Fill(store, 20'000, seconds(1));
  Fill(store, 100, seconds(60), "live");
  const std::size_t before = store.Counts().Entries();
  EXPECT_EQ(store.ReclaimTick(), 0u);  // nothing expired yet
  clock_->Advance(seconds(2));
  // No call comes: the entries stay until ticks reclaim them, a bounded part at a time.
  const std::size_t first = store.ReclaimTick();
  EXPECT_GT(first, 0u);
  EXPECT_LT(first, 20'000u);  // about kReclaimEntriesPerTick entries visited, not all
  std::size_t total = first;
  for (int tick = 0; tick < 16 && total < 20'000; ++tick) total += store.ReclaimTick();
  EXPECT_EQ(total, 20'000u);
  EXPECT_LT(store.Counts().Entries(), before);
  EXPECT_EQ(store.Counts().Entries(), 100u);  // live entries are kept
  EXPECT_EQ(store.Counts().trims, 0u);        // below kTrimAfterEntries: no trim
}

TEST_F(MemoryReclaimTimerTest, ALargeReclaimReturnsFreeMemoryOnce) {
  MemoryStorage store(clock_, 16);
  Fill(store, static_cast<int>(MemoryStorage::kTrimAfterEntries) + 1000, seconds(1));
  clock_->Advance(seconds(2));
  for (int tick = 0; tick < 64 && store.Counts().Entries() > 0; ++tick) store.ReclaimTick();
  EXPECT_EQ(store.Counts().Entries(), 0u);
  EXPECT_EQ(store.Counts().trims, 1u);
  store.ReclaimTick();
  EXPECT_EQ(store.Counts().trims, 1u);  // nothing more reclaimed: no second trim
}

TEST_F(MemoryReclaimTimerTest, TheTimerRunsOnTheStoresFirstExecutor) {
  boost::asio::io_context io;
  StorageContext context;
  context.uri = ParseStorageUri("memory://");
  context.clock = clock_;
  context.executors = {io.get_executor()};
  MemoryStorage store(context);
  Fill(store, 1000, seconds(1));
  clock_->Advance(seconds(2));
  // Only the timer can reclaim them now; it ticks every kReclaimEvery.
  const auto give_up = std::chrono::steady_clock::now() + seconds(30);
  while (store.Counts().Entries() > 0 && std::chrono::steady_clock::now() < give_up) {
    io.run_one_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(store.Counts().Entries(), 0u);
  EXPECT_EQ(store.Counts().swept, 1000u);
}

}  // namespace
}  // namespace limitsd::storage::memory

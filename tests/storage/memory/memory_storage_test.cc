#include "storage/memory/memory_storage.h"

#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "storage/configuration_error.h"
#include "storage/limit_keys.h"
#include "storage/storage_key.h"
#include "storage/storage_registry.h"
#include "tests/storage/conformance/run_task.h"

namespace limitsd::storage::memory {
namespace {

using conformance::RunTask;
using std::chrono::seconds;

class MemoryStorageTest : public ::testing::Test {
 protected:
  template <class T>
  T Run(Task<T> task) {
    return RunTask(io_, std::move(task));
  }

  boost::asio::io_context io_;
  std::shared_ptr<ManualClock> clock_ = std::make_shared<ManualClock>();
  MemoryStorage store_{clock_, 16};
};

TEST_F(MemoryStorageTest, IsRegisteredWithEveryCapability) {
  const SchemeInfo* info = StorageRegistry::Instance().Find("memory");
  ASSERT_NE(info, nullptr);
  EXPECT_TRUE(info->capabilities.moving_window);
  EXPECT_TRUE(info->capabilities.sliding_window_counter);
  EXPECT_TRUE(info->capabilities.multi_rate);
  EXPECT_FALSE(info->capabilities.synchronous);
  StorageContext context;
  context.uri = ParseStorageUri("memory://");
  const std::unique_ptr<Storage> storage = StorageRegistry::Instance().Create(context);
  ASSERT_NE(dynamic_cast<MemoryStorage*>(storage.get()), nullptr);
  EXPECT_EQ(storage->Describe(), "memory://");
  EXPECT_TRUE(RunTask(io_, storage->Check()));
}

TEST_F(MemoryStorageTest, ShardsOption) {
  StorageContext context;
  context.uri = ParseStorageUri("memory://");
  EXPECT_EQ(MemoryStorage(context).ShardCount(), 256u);
  context.options["shards"] = "5";
  EXPECT_EQ(MemoryStorage(context).ShardCount(), 8u);
  context.options["shards"] = "1";
  EXPECT_EQ(MemoryStorage(context).ShardCount(), 1u);
  context.options["shards"] = "0";
  EXPECT_THROW(MemoryStorage{context}, ConfigurationError);
  context.options["shards"] = "many";
  EXPECT_THROW(MemoryStorage{context}, ConfigurationError);
  // A misspelt option, or options in the URI, stop the start-up instead of being ignored.
  context.options = {{"shard", "4"}};
  EXPECT_THROW(MemoryStorage{context}, ConfigurationError);
  context.options.clear();
  context.uri = ParseStorageUri("memory://?shards=4");
  EXPECT_THROW(MemoryStorage{context}, ConfigurationError);
}

TEST_F(MemoryStorageTest, KeysWithOneHashTagShareAShard) {
  MemoryStorage store(clock_, 256);
  for (int i = 0; i < 100; ++i) {
    const std::string tag = "{api/user" + std::to_string(i) + "}";
    EXPECT_EQ(store.ShardOf(tag + "/10/1/second"), store.ShardOf(tag + "/1000/1/hour"));
    EXPECT_EQ(store.ShardOf(tag + "/a"), store.ShardOf("prefix:" + tag + "/b"));
  }
  std::set<std::size_t> used;
  for (int i = 0; i < 2000; ++i) used.insert(store.ShardOf("{user" + std::to_string(i) + "}/x"));
  EXPECT_GT(used.size(), 240u);  // tags spread over the shards
  used.clear();
  for (int i = 0; i < 2000; ++i) used.insert(store.ShardOf("plain" + std::to_string(i)));
  EXPECT_GT(used.size(), 240u);
  // Keys of the limit form: a limit's keys for one user share a shard (whatever the rate,
  // and with the tag elsewhere in a key), and the users spread.
  used.clear();
  for (int i = 0; i < 2000; ++i) {
    const std::string tag = "{api user" + std::to_string(i) + "}";
    EXPECT_EQ(store.ShardOf(tag + "/fixed-window/10/1/second"),
              store.ShardOf(tag + "/fixed-window/1000/1/hour"));
    EXPECT_EQ(store.ShardOf(tag + "/a"), store.ShardOf("prefix:" + tag + "/b"));
    used.insert(store.ShardOf(tag + "/x"));
  }
  EXPECT_GT(used.size(), 240u);
}

TEST_F(MemoryStorageTest, TimeNeverGoesBackwards) {
  ASSERT_EQ(store_.IncrNow("k", seconds(10), 1).value(), 1);
  clock_->Advance(-seconds(5));  // an NTP step back
  EXPECT_EQ(Run(store_.GetExpiry("k")).value(), seconds(10));
  clock_->Advance(seconds(8));  // 3 s after the store's last now
  EXPECT_EQ(Run(store_.GetExpiry("k")).value(), seconds(7));
  // Moving-window runs stay in time order across the step.
  ASSERT_TRUE(store_.AcquireEntryNow("m", 3, seconds(10), 1).value());
  clock_->Advance(-seconds(60));
  ASSERT_TRUE(store_.AcquireEntryNow("m", 3, seconds(10), 1).value());
  const MovingWindowState state = Run(store_.GetMovingWindow("m", 3, seconds(10), 1)).value();
  EXPECT_EQ(state.count, 2);
  EXPECT_EQ(state.newest_age, Micros{0});
}

TEST_F(MemoryStorageTest, FixedWindowCounterHoldsLargeValues) {
  for (int i = 0; i < 9; ++i) store_.IncrNow("k", seconds(60), 1'000'000'000).value();
  EXPECT_EQ(Run(store_.Get("k")).value(), 9'000'000'000);
  ASSERT_TRUE(Run(store_.Decr("k", 8'999'999'999)));
  EXPECT_EQ(Run(store_.Get("k")).value(), 1);
}

TEST_F(MemoryStorageTest, AcquireRejectsNegativeAndOversizedAmounts) {
  EXPECT_FALSE(store_.AcquireEntryNow("m", 5, seconds(1), -1).value());
  EXPECT_FALSE(store_.AcquireEntryNow("m", 5, seconds(1), 6).value());
  EXPECT_FALSE(store_.AcquireSlidingNow("s", 5, seconds(1), -1).value());
  EXPECT_FALSE(store_.AcquireSlidingNow("s", 5, seconds(1), 6).value());
  const RateQuery rate{"f", StrategyKind::kFixedWindow, 5, seconds(1)};
  EXPECT_FALSE(store_.TakeAllNow({&rate, 1}, -1, TakeMode::kHit).value().taken);
  EXPECT_EQ(store_.Stats().Entries(), 0u);
}

TEST_F(MemoryStorageTest, StrategiesKeepSeparateValuesUnderOneKey) {
  ASSERT_EQ(store_.IncrNow("k", seconds(60), 2).value(), 2);
  ASSERT_TRUE(store_.AcquireEntryNow("k", 5, seconds(60), 3).value());
  ASSERT_TRUE(store_.AcquireSlidingNow("k", 5, seconds(60), 4).value());
  EXPECT_EQ(store_.Stats().Entries(), 3u);
  ASSERT_TRUE(Run(store_.ClearSlidingWindow("k", seconds(60))));
  EXPECT_EQ(Run(store_.GetSlidingWindow("k", seconds(60))).value().current, 0);
  EXPECT_EQ(Run(store_.Get("k")).value(), 2);
  EXPECT_EQ(Run(store_.GetMovingWindow("k", 5, seconds(60), 1)).value().count, 3);
  ASSERT_TRUE(Run(store_.Clear("k")));
  EXPECT_EQ(store_.Stats().Entries(), 0u);
}

TEST_F(MemoryStorageTest, SlidingWindowEntryLivesTwoBuckets) {
  const Micros window = seconds(10);
  clock_->Set((clock_->Now() / window + 1) * window + seconds(3));
  ASSERT_TRUE(store_.AcquireSlidingNow("s", 5, window, 2).value());
  clock_->Advance(seconds(16));  // 9 s into the next bucket: still the previous one
  EXPECT_EQ(Run(store_.GetSlidingWindow("s", window)).value().previous, 2);
  EXPECT_EQ(store_.SweepAll(), 0u);
  clock_->Advance(seconds(1));  // the bucket after the next: gone
  EXPECT_EQ(Run(store_.GetSlidingWindow("s", window)).value().previous, 0);
  EXPECT_EQ(store_.Stats().sliding_entries, 0u);
}

TEST_F(MemoryStorageTest, TakeAllAcrossShardsStillAllOrNothing) {
  // Rates without a shared hash tag: allowed, they lock several shards in order.
  std::vector<std::string> keys;
  for (int i = 0; i < 8; ++i) keys.push_back("untagged" + std::to_string(i));
  std::vector<RateQuery> rates;
  for (int i = 0; i < 8; ++i) rates.push_back({keys[i], StrategyKind::kFixedWindow, 3 + i, seconds(60)});
  int taken = 0;
  for (int i = 0; i < 10; ++i) taken += store_.TakeAllNow(rates, 1, TakeMode::kHit).value().taken ? 1 : 0;
  EXPECT_EQ(taken, 3);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(store_.IncrNow(keys[i], seconds(60), 0).value(), 3);
}

// A limit's keys in hashed form (TakeKeyed) and the same keys written out (TakeAllNow, Get,
// Clear) reach the same entries, in every strategy, whatever the user's key holds.
TEST_F(MemoryStorageTest, KeyedTakesAndWrittenKeysReachTheSameEntries) {
  const std::string name = "fixed-window:5/minute";
  const std::vector<std::string> suffixes = {"/s/5/1/minute", "/s/9/1/hour"};
  for (const StrategyKind kind : {StrategyKind::kFixedWindow, StrategyKind::kMovingWindow,
                                  StrategyKind::kSlidingWindowCounter, StrategyKind::kGcra}) {
    const Micros interval = kind == StrategyKind::kGcra ? seconds(12) : Micros{0};
    const std::vector<RateQuery> queries = {{"", kind, 5, seconds(60), interval},
                                            {"", kind, 9, seconds(3600), interval}};
    for (const std::size_t count : {1u, 2u}) {
      const LimitKeys limit(name, std::span(suffixes).first(count),
                            std::span(queries).first(count));
      ASSERT_TRUE(limit.keyed);
      for (const std::string key :
           {"user1", "", "a b", "x}y{z", "}", "a very long user key, 40+ bytes"}) {
        // The written keys, as limits::Limit writes them.
        std::vector<std::string> written;
        std::vector<RateQuery> rates = limit.rates;
        for (std::size_t i = 0; i < count; ++i) {
          written.emplace_back(StorageKeySize(name, key, suffixes[i]), '\0');
          WriteStorageKey(name, key, suffixes[i], written.back().data());
          rates[i].key = written.back();
          EXPECT_EQ(store_.ShardOf(written.back()), store_.ShardOf(written.front()));
        }
        const std::string what = std::string(strategy::StrategyName(kind)) + " key '" + key + "'";
        ASSERT_TRUE(store_.TakeKeyed(limit, key, 2, TakeMode::kHit).value().taken) << what;
        ASSERT_TRUE(store_.TakeAllNow(rates, 1, TakeMode::kHit).value().taken) << what;
        const TakeOutcome keyed = store_.TakeKeyed(limit, key, 1, TakeMode::kPeek).value();
        const TakeOutcome plain = store_.TakeAllNow(rates, 1, TakeMode::kPeek).value();
        EXPECT_EQ(keyed.states, plain.states) << what;
        if (kind == StrategyKind::kFixedWindow) {
          EXPECT_EQ(Run(store_.Get(rates[0].key)).value(), 3) << what;
        }
        for (const RateQuery& rate : rates) ASSERT_TRUE(Run(store_.Clear(rate.key)));
        EXPECT_EQ(store_.Stats().Entries(), 0u) << what;
        // TEST takes nothing, and a hit on the cleared keys starts over.
        const TakeOutcome after = store_.TakeKeyed(limit, key, 5, TakeMode::kHit).value();
        EXPECT_TRUE(after.taken) << what;
        ASSERT_TRUE(store_.TakeAllNow(rates, 5, TakeMode::kPeek).value().states == after.states)
            << what;
        store_.PrefetchKeyed(limit, key);  // changes nothing
        EXPECT_EQ(store_.Stats().Entries(), count) << what;
        for (const RateQuery& rate : rates) ASSERT_TRUE(Run(store_.Clear(rate.key)));
      }
    }
  }
}

TEST_F(MemoryStorageTest, KeysOfOtherLimitsRatesAndSplitsAreDistinct) {
  // The same bytes split into name, key and suffix at other places are other entries.
  const std::vector<RateQuery> query = {{"", StrategyKind::kFixedWindow, 100, seconds(60)}};
  const std::vector<std::pair<std::string, std::string>> limits = {
      {"ab", "/s"}, {"a", "/s"}, {"abc", "/s"}, {"ab", "/t"}, {"ab", "/s/"}, {"ab", ""}};
  int n = 0;
  for (const auto& [name, suffix] : limits) {
    const std::vector<std::string> suffixes = {suffix};
    const LimitKeys limit(name, suffixes, query);
    for (const std::string key : {"c", "cd", "bc", "c}", "}c", "c d"}) {
      ++n;
      EXPECT_EQ(store_.TakeKeyed(limit, key, n, TakeMode::kHit).value().states.front(),
                WindowState(FixedWindowState{n, seconds(60)}))
          << name << " " << key << " " << suffix;
    }
  }
}

// The location a prefetch fills (the daemon keeps it beside the request, and hands it to the
// request's take) is used only by a take on the same store, for the same limit (the same
// LimitKeys: a limit rebuilt by a reload has another) and the same view of the key; any other
// take finds its own entry, as without it: another store (and a store built after the one
// that filled it was destroyed), another limit with the same hashes or with others, another
// key, the same bytes elsewhere. A limit of several rates or of another strategy leaves it
// empty.
TEST_F(MemoryStorageTest, ATakeUsesTheLocationOfItsPrefetchOnlyWhereItHolds) {
  const std::vector<RateQuery> query = {{"", StrategyKind::kFixedWindow, 100, seconds(60)}};
  const std::vector<std::string> suffixes = {"/s"};
  const LimitKeys a("a", suffixes, query);
  const LimitKeys b("b", suffixes, query);
  const LimitKeys a_rebuilt("a", suffixes, query);  // as after a reload: the same hashes
  const LimitKeys other_rate("a", std::vector<std::string>{"/t"}, query);
  ASSERT_NE(a.id, a_rebuilt.id);
  MemoryStorage other(clock_, 4);
  const std::string k1 = "k1";
  const std::string k1_elsewhere = "k1";
  const std::string k2 = "k2";
  auto count = [&](MemoryStorage& store, std::string_view name, std::string_view key,
                   std::string_view suffix) {
    std::string written(StorageKeySize(name, key, suffix), '\0');
    WriteStorageKey(name, key, suffix, written.data());
    return Run(store.Get(written)).value();
  };
  auto hit = [](MemoryStorage& store, const LimitKeys& limit, std::string_view key, int cost,
                const KeyLocation& at) {
    return store.TakeKeyed(limit, key, cost, TakeMode::kHit, &at).value().states.front();
  };
  KeyLocation at_a_k1;
  store_.PrefetchKeyed(a, k1, &at_a_k1);
  ASSERT_FALSE(at_a_k1.empty());
  EXPECT_TRUE(at_a_k1.Holds(at_a_k1.store, a, k1));
  EXPECT_FALSE(at_a_k1.Holds(at_a_k1.store, a, k1_elsewhere));
  EXPECT_FALSE(at_a_k1.Holds(at_a_k1.store, a_rebuilt, k1));

  EXPECT_EQ(hit(store_, a, k1, 1, at_a_k1), WindowState(FixedWindowState{1, seconds(60)}));
  EXPECT_EQ(hit(other, a, k1, 2, at_a_k1), WindowState(FixedWindowState{2, seconds(60)}));
  EXPECT_EQ(hit(store_, b, k1, 3, at_a_k1), WindowState(FixedWindowState{3, seconds(60)}));
  EXPECT_EQ(hit(store_, a_rebuilt, k1, 4, at_a_k1), WindowState(FixedWindowState{5, seconds(60)}));
  EXPECT_EQ(hit(store_, other_rate, k1, 6, at_a_k1), WindowState(FixedWindowState{6, seconds(60)}));
  EXPECT_EQ(hit(store_, a, k2, 7, at_a_k1), WindowState(FixedWindowState{7, seconds(60)}));
  EXPECT_EQ(hit(store_, a, k1_elsewhere, 8, at_a_k1),
            WindowState(FixedWindowState{13, seconds(60)}));
  EXPECT_EQ(count(store_, "a", "k1", "/s"), 13);
  EXPECT_EQ(count(other, "a", "k1", "/s"), 2);
  EXPECT_EQ(count(store_, "b", "k1", "/s"), 3);
  EXPECT_EQ(count(store_, "a", "k1", "/t"), 6);
  EXPECT_EQ(count(store_, "a", "k2", "/s"), 7);

  // Where it holds, the take goes where the location says, without finding the key: a
  // location made to say k2's place takes from k2's entry.
  KeyLocation at_a_k2;
  store_.PrefetchKeyed(a, k2, &at_a_k2);
  KeyLocation forged = at_a_k1;
  std::memcpy(forged.where, at_a_k2.where, sizeof forged.where);
  EXPECT_EQ(hit(store_, a, k1, 1, forged), WindowState(FixedWindowState{8, seconds(60)}));
  EXPECT_EQ(count(store_, "a", "k2", "/s"), 8);
  EXPECT_EQ(count(store_, "a", "k1", "/s"), 13);
  // For another view of the same bytes, as the request window moves it to a repeated key.
  EXPECT_EQ(hit(store_, a, k1_elsewhere, 1, at_a_k1.For(k1_elsewhere)),
            WindowState(FixedWindowState{14, seconds(60)}));

  // Several rates, or another strategy: nothing to fill; the takes find their keys.
  const std::vector<RateQuery> two = {{"", StrategyKind::kFixedWindow, 100, seconds(60)},
                                      {"", StrategyKind::kFixedWindow, 100, seconds(3600)}};
  const LimitKeys multi("m", std::vector<std::string>{"/s", "/h"}, two);
  const LimitKeys moving(
      "w", suffixes, std::vector<RateQuery>{{"", StrategyKind::kMovingWindow, 100, seconds(60)}});
  for (const LimitKeys* limit : {&multi, &moving}) {
    KeyLocation at;
    store_.PrefetchKeyed(*limit, k1, &at);
    EXPECT_TRUE(at.empty());
    ASSERT_TRUE(store_.TakeKeyed(*limit, k1, 2, TakeMode::kHit, &at).value().taken);
    ASSERT_TRUE(store_.TakeKeyed(*limit, k1, 3, TakeMode::kHit, &at_a_k1).value().taken);
  }
  EXPECT_EQ(count(store_, "m", "k1", "/s"), 5);
  EXPECT_EQ(count(store_, "m", "k1", "/h"), 5);
  EXPECT_FALSE(store_.TakeKeyed(moving, k1, 96, TakeMode::kHit).value().taken);
  EXPECT_TRUE(store_.TakeKeyed(moving, k1, 95, TakeMode::kHit).value().taken);

  // A store destroyed after its prefetch; the next one built is another, whatever its
  // address.
  for (int i = 0; i < 4; ++i) {
    auto gone = std::make_unique<MemoryStorage>(clock_, 16);
    KeyLocation at;
    gone->PrefetchKeyed(a, k1, &at);
    gone.reset();
    auto fresh = std::make_unique<MemoryStorage>(clock_, 16);
    EXPECT_EQ(hit(*fresh, a, k1, 7, at), WindowState(FixedWindowState{7, seconds(60)}));
    EXPECT_EQ(count(*fresh, "a", "k1", "/s"), 7);
  }
}

TEST_F(MemoryStorageTest, ALimitNameWithASpaceIsNotKeyed) {
  const std::vector<std::string> suffixes = {"/s"};
  const std::vector<RateQuery> query = {{"", StrategyKind::kFixedWindow, 1, seconds(60)}};
  EXPECT_FALSE(LimitKeys("a b", suffixes, query).keyed);
  EXPECT_FALSE(LimitKeys("a", std::vector<std::string>{"/s}"}, query).keyed);
  EXPECT_TRUE(LimitKeys("a{}", suffixes, query).keyed);
}

// Every strategy's hit path from 8 threads on one key of limit 5: exactly 5 pass.
TEST_F(MemoryStorageTest, ThreadsOnOneKeyAdmitExactlyTheLimit) {
  const RateQuery fixed{"{t}/fixed", StrategyKind::kFixedWindow, 5, seconds(60)};
  const RateQuery moving{"{t}/moving", StrategyKind::kMovingWindow, 5, seconds(60)};
  const RateQuery sliding{"{t}/sliding", StrategyKind::kSlidingWindowCounter, 5, seconds(86400)};
  const RateQuery all[] = {{"{a}/f", StrategyKind::kFixedWindow, 7, seconds(60)},
                           {"{a}/m", StrategyKind::kMovingWindow, 5, seconds(60)},
                           {"{a}/s", StrategyKind::kSlidingWindowCounter, 6, seconds(86400)}};
  std::atomic<int> incr{0}, acquire{0}, slide{0}, take_fixed{0}, take_moving{0},
      take_sliding{0}, take_all{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      boost::asio::io_context io;
      for (int i = 0; i < 200; ++i) {
        if (store_.IncrNow("counter", seconds(60), 1).value() <= 5) {
          ++incr;
        } else {
          RunTask(io, store_.Decr("counter", 1)).value();
        }
        acquire += store_.AcquireEntryNow("moving", 5, seconds(60), 1).value() ? 1 : 0;
        slide += store_.AcquireSlidingNow("sliding", 5, seconds(86400), 1).value() ? 1 : 0;
        take_fixed += store_.TakeAllNow({&fixed, 1}, 1, TakeMode::kHit).value().taken ? 1 : 0;
        take_moving += store_.TakeAllNow({&moving, 1}, 1, TakeMode::kHit).value().taken ? 1 : 0;
        take_sliding += store_.TakeAllNow({&sliding, 1}, 1, TakeMode::kHit).value().taken ? 1 : 0;
        take_all += store_.TakeAllNow(all, 1, TakeMode::kHit).value().taken ? 1 : 0;
        clock_->Advance(Micros{1});
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(incr, 5);
  EXPECT_EQ(acquire, 5);
  EXPECT_EQ(slide, 5);
  EXPECT_EQ(take_fixed, 5);
  EXPECT_EQ(take_moving, 5);
  EXPECT_EQ(take_sliding, 5);
  EXPECT_EQ(take_all, 5);
}

// Many keys from many threads at once, with time moving: no lost updates (run under TSan).
TEST_F(MemoryStorageTest, ThreadsOnManyKeysLoseNoUpdates) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20'000; ++i) {
        store_.IncrNow("key" + std::to_string(i % 500), seconds(3600), 1).value();
        store_.AcquireEntryNow("m" + std::to_string((i + t) % 300), 1'000'000, seconds(1), 1).value();
        if (i % 100 == 0) clock_->Advance(Micros{50});
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::int64_t total = 0;
  for (int i = 0; i < 500; ++i) total += store_.IncrNow("key" + std::to_string(i), seconds(3600), 0).value();
  EXPECT_EQ(total, 4 * 20'000);
}

}  // namespace
}  // namespace limitsd::storage::memory

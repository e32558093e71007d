// The denial cache inside the Redis storage, against real servers: a hot denied key stops
// reaching Redis, the remembered answer is Redis' own, and nothing this daemon does to a key
// (Clear, Decr, on any I/O thread) leaves a denial standing that Redis would not give.
#include "storage/redis/redis_storage.h"

#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "storage/configuration_error.h"
#include "storage/storage_registry.h"
#include "tests/storage/conformance/run_task.h"
#include "tests/storage/redis/redis_servers.h"

namespace limitsd::storage::redis {
namespace {

using namespace std::chrono_literals;
using conformance::RunTask;
using testing::RedisServer;

constexpr Micros kMinute{60'000'000};
constexpr int kHotHits = 1000;

// Script runs a server has counted (EVALSHA and the EVAL that loads a script).
std::int64_t ScriptCalls(const RedisServer& server) {
  const std::string info = server.Cli({"INFO", "commandstats"});
  std::int64_t calls = 0;
  for (const std::string name : {"cmdstat_evalsha:calls=", "cmdstat_eval:calls="}) {
    const auto at = info.find(name);
    if (at != std::string::npos) calls += std::stoll(info.substr(at + name.size()));
  }
  return calls;
}

FixedWindowState FixedOf(const TakeOutcome& outcome, std::size_t i = 0) {
  return std::get<FixedWindowState>(outcome.states.at(i));
}

class RedisDenyCacheTest : public ::testing::Test {
 protected:
  // A storage on two I/O threads (io_a_, io_b_), each with its own cache.
  std::unique_ptr<Storage> Make(const std::string& uri, StorageOptions options = {}) {
    StorageContext context;
    context.uri = ParseStorageUri(uri);
    context.options = std::move(options);
    context.timeout = 2s;
    context.executors = {io_a_.get_executor(), io_b_.get_executor()};
    return StorageRegistry::Instance().Create(context);
  }
  static MultiRateSupport& Multi(Storage& storage) {
    return dynamic_cast<MultiRateSupport&>(storage);
  }
  TakeOutcome Take(boost::asio::io_context& io, Storage& storage, std::span<const RateQuery> rates,
                   std::int64_t cost, TakeMode mode = TakeMode::kHit) {
    auto outcome = RunTask(io, Multi(storage).TakeAll(rates, cost, mode));
    if (!outcome) {
      ADD_FAILURE() << outcome.error().message();
      return TakeOutcome{};
    }
    return *outcome;
  }
  TakeOutcome Hit(Storage& storage, std::span<const RateQuery> rates, std::int64_t cost = 1) {
    return Take(io_a_, storage, rates, cost);
  }
  // Takes `limit` from a fresh fixed window, then is denied once (the denial Redis gave).
  TakeOutcome FillAndDeny(Storage& storage, std::span<const RateQuery> rates) {
    EXPECT_TRUE(Hit(storage, rates, rates.front().limit).taken);
    return Hit(storage, rates);
  }
  // Denied hits, all of them answered "not taken"; returns the script calls they caused.
  std::int64_t DeniedHits(Storage& storage, std::span<const RateQuery> rates,
                          const RedisServer& server, int count = kHotHits) {
    const std::int64_t before = ScriptCalls(server);
    for (int i = 0; i < count; ++i) EXPECT_FALSE(Hit(storage, rates).taken) << i;
    return ScriptCalls(server) - before;
  }

  boost::asio::io_context io_a_{1};
  boost::asio::io_context io_b_{1};
};

TEST_F(RedisDenyCacheTest, AHotDeniedKeyStopsReachingRedis) {
  RedisServer server;
  auto storage = Make(server.Uri());
  const std::array rates{RateQuery{"{hot}/a", StrategyKind::kFixedWindow, 5, kMinute}};
  ASSERT_FALSE(FillAndDeny(*storage, rates).taken);
  EXPECT_EQ(DeniedHits(*storage, rates, server), 0);
  // Higher costs are denied from memory too.
  EXPECT_FALSE(Hit(*storage, rates, 3).taken);
  EXPECT_EQ(server.Cli({"GET", "LIMITS:{hot}/a"}), "5");
}

TEST_F(RedisDenyCacheTest, TheRememberedAnswerIsWhatRedisAnswers) {
  RedisServer server;
  auto storage = Make(server.Uri());
  auto direct = Make(server.Uri(), {{"deny_cache", "false"}});
  const std::array rates{RateQuery{"{same}/a", StrategyKind::kFixedWindow, 5, kMinute}};
  ASSERT_FALSE(FillAndDeny(*storage, rates).taken);
  std::this_thread::sleep_for(200ms);
  const TakeOutcome remembered = Hit(*storage, rates);
  const TakeOutcome asked = Hit(*direct, rates);
  EXPECT_FALSE(remembered.taken);
  EXPECT_FALSE(asked.taken);
  const FixedWindowState mine = FixedOf(remembered);
  const FixedWindowState truth = FixedOf(asked);
  EXPECT_EQ(mine.count, truth.count);
  // Never shorter than Redis' (which was asked later), and aged, not frozen. Redis answers
  // PTTL in whole milliseconds, truncated: the remembered expiry may be up to 1 ms earlier.
  EXPECT_GE(mine.ttl + Micros{1'000}, truth.ttl);
  EXPECT_LT(mine.ttl - truth.ttl, Micros{50'000});
  EXPECT_LT(mine.ttl, kMinute - Micros{150'000});
}

TEST_F(RedisDenyCacheTest, ALowerCostStillAsksRedisAndCanPass) {
  RedisServer server;
  auto storage = Make(server.Uri());
  const std::array rates{RateQuery{"{low}/a", StrategyKind::kFixedWindow, 10, kMinute}};
  ASSERT_TRUE(Hit(*storage, rates, 8).taken);
  ASSERT_FALSE(Hit(*storage, rates, 5).taken);
  const std::int64_t before = ScriptCalls(server);
  EXPECT_FALSE(Hit(*storage, rates, 5).taken);  // remembered
  EXPECT_EQ(ScriptCalls(server), before);
  EXPECT_TRUE(Hit(*storage, rates, 2).taken);  // asked
  EXPECT_EQ(ScriptCalls(server), before + 1);
  EXPECT_EQ(server.Cli({"GET", "LIMITS:{low}/a"}), "10");
}

TEST_F(RedisDenyCacheTest, AnAllowedSmallerCostDropsTheRememberedCounts) {
  // 3 taken, 3 denied (remembered), 1 taken: later denials see 4, not the remembered 3.
  RedisServer server;
  auto storage = Make(server.Uri());
  const std::array rates{RateQuery{"{small}/j", StrategyKind::kFixedWindow, 5, kMinute}};
  ASSERT_TRUE(Hit(*storage, rates, 3).taken);
  ASSERT_FALSE(Hit(*storage, rates, 3).taken);
  ASSERT_TRUE(Hit(*storage, rates, 1).taken);
  for (const std::int64_t cost : {6, 3, 2}) {
    const TakeOutcome denied = Hit(*storage, rates, cost);
    EXPECT_FALSE(denied.taken) << cost;
    EXPECT_EQ(FixedOf(denied).count, 4) << cost;
  }
}

TEST_F(RedisDenyCacheTest, ATakeOnAnotherThreadDropsTheRememberedCounts) {
  RedisServer server;
  auto storage = Make(server.Uri());
  const std::array rates{RateQuery{"{other}/j", StrategyKind::kFixedWindow, 5, kMinute}};
  ASSERT_TRUE(Hit(*storage, rates, 3).taken);
  ASSERT_FALSE(Hit(*storage, rates, 3).taken);  // remembered on io_a_
  ASSERT_TRUE(Take(io_b_, *storage, rates, 1).taken);
  EXPECT_EQ(FixedOf(Hit(*storage, rates, 3)).count, 4);
  EXPECT_EQ(FixedOf(Take(io_a_, *storage, rates, 3, TakeMode::kPeek)).count, 4);
}

TEST_F(RedisDenyCacheTest, ACostAboveTheAmountSeesLaterTakes) {
  RedisServer server;
  auto storage = Make(server.Uri());
  const std::array rates{RateQuery{"{above}/a", StrategyKind::kFixedWindow, 5, kMinute}};
  const TakeOutcome first = Hit(*storage, rates, 6);
  ASSERT_FALSE(first.taken);
  EXPECT_EQ(FixedOf(first).count, 0);
  ASSERT_TRUE(Hit(*storage, rates, 2).taken);
  const TakeOutcome peeked = Take(io_a_, *storage, rates, 6, TakeMode::kPeek);
  EXPECT_EQ(FixedOf(peeked).count, 2);
  EXPECT_GT(FixedOf(peeked).ttl, Micros{0});
  const TakeOutcome hit = Hit(*storage, rates, 6);
  EXPECT_FALSE(hit.taken);
  EXPECT_EQ(FixedOf(hit).count, 2);
}

TEST_F(RedisDenyCacheTest, ClearOnAnotherThreadLetsTheNextHitPass) {
  RedisServer server;
  auto storage = Make(server.Uri());
  const std::array rates{RateQuery{"{clear}/a", StrategyKind::kFixedWindow, 3, kMinute}};
  ASSERT_FALSE(FillAndDeny(*storage, rates).taken);
  ASSERT_EQ(DeniedHits(*storage, rates, server, 10), 0);
  ASSERT_TRUE(RunTask(io_b_, storage->Clear("{clear}/a")).has_value());
  EXPECT_TRUE(Hit(*storage, rates).taken);
}

TEST_F(RedisDenyCacheTest, DecrLetsTheNextHitPass) {
  RedisServer server;
  auto storage = Make(server.Uri());
  const std::array rates{RateQuery{"{decr}/a", StrategyKind::kFixedWindow, 3, kMinute}};
  ASSERT_FALSE(FillAndDeny(*storage, rates).taken);
  ASSERT_TRUE(RunTask(io_b_, storage->Decr("{decr}/a", 1)).has_value());
  EXPECT_TRUE(Hit(*storage, rates).taken);
}

TEST_F(RedisDenyCacheTest, TheWindowsEndEndsTheDenial) {
  RedisServer server;
  auto storage = Make(server.Uri());
  const std::array rates{RateQuery{"{short}/a", StrategyKind::kFixedWindow, 2, Micros{1'000'000}}};
  ASSERT_FALSE(FillAndDeny(*storage, rates).taken);
  ASSERT_EQ(DeniedHits(*storage, rates, server, 10), 0);
  // Denied from memory until the window ends, then Redis answers: a new window.
  const auto start = std::chrono::steady_clock::now();
  while (!Hit(*storage, rates).taken) {
    ASSERT_LT(std::chrono::steady_clock::now() - start, 2s) << "still denied after the window";
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(server.Cli({"GET", "LIMITS:{short}/a"}), "1");
}

TEST_F(RedisDenyCacheTest, TurnedOffEveryHitReachesRedis) {
  RedisServer server;
  auto storage = Make(server.Uri(), {{"deny_cache", "false"}});
  const std::array rates{RateQuery{"{off}/a", StrategyKind::kFixedWindow, 5, kMinute}};
  ASSERT_FALSE(FillAndDeny(*storage, rates).taken);
  EXPECT_EQ(DeniedHits(*storage, rates, server, 100), 100);
}

TEST_F(RedisDenyCacheTest, OtherStrategiesAlwaysAskRedis) {
  RedisServer server;
  auto storage = Make(server.Uri());
  const std::array moving{RateQuery{"{mw}/a", StrategyKind::kMovingWindow, 2, kMinute}};
  ASSERT_FALSE(FillAndDeny(*storage, moving).taken);
  EXPECT_EQ(DeniedHits(*storage, moving, server, 20), 20);
  const std::array mixed{RateQuery{"{mix}/f", StrategyKind::kFixedWindow, 2, kMinute},
                         RateQuery{"{mix}/s", StrategyKind::kSlidingWindowCounter, 9, kMinute}};
  ASSERT_FALSE(FillAndDeny(*storage, mixed).taken);
  EXPECT_EQ(DeniedHits(*storage, mixed, server, 20), 20);
}

TEST_F(RedisDenyCacheTest, APeekThatCannotFitAnswersLaterHits) {
  RedisServer server;
  auto storage = Make(server.Uri());
  const std::array rates{RateQuery{"{peek}/a", StrategyKind::kFixedWindow, 4, kMinute}};
  ASSERT_TRUE(Hit(*storage, rates, 4).taken);
  EXPECT_FALSE(Take(io_a_, *storage, rates, 1, TakeMode::kPeek).taken);
  EXPECT_EQ(DeniedHits(*storage, rates, server, 10), 0);
}

TEST_F(RedisDenyCacheTest, BadOptionsAreRejectedByName) {
  RedisServer server;
  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"deny_cache", "sometimes"}, {"deny_cache_size", "0"}, {"deny_cache_size", "x"}}) {
    try {
      Make(server.Uri(), {{name, value}});
      ADD_FAILURE() << name << "=" << value << " was accepted";
    } catch (const ConfigurationError& e) {
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    }
  }
  EXPECT_NO_THROW(Make(server.Uri(), {{"deny_cache_size", "10"}}));
}

TEST(RedisDenyCacheTopologyTest, ClusterAndSentinelRememberDenialsToo) {
  testing::RedisCluster cluster;
  testing::RedisSentinelSet sentinel;
  for (const std::string& uri : {cluster.Uri(), sentinel.Uri()}) {
    boost::asio::io_context io(1);
    StorageContext context;
    context.uri = ParseStorageUri(uri);
    context.timeout = 2s;
    context.executors = {io.get_executor()};
    auto storage = StorageRegistry::Instance().Create(context);
    auto& multi = dynamic_cast<MultiRateSupport&>(*storage);
    const std::array rates{RateQuery{"{topo}/a", StrategyKind::kFixedWindow, 2, kMinute}};
    auto take = [&] { return RunTask(io, multi.TakeAll(rates, 1, TakeMode::kHit)).value(); };
    EXPECT_TRUE(take().taken);
    EXPECT_TRUE(take().taken);
    EXPECT_FALSE(take().taken);
    auto calls = [&] {
      std::int64_t sum = 0;
      for (std::size_t i = 0; i < 3; ++i) sum += ScriptCalls(cluster.node(i));
      for (std::size_t i = 0; i < 2; ++i) sum += ScriptCalls(sentinel.server(i));
      return sum;
    };
    const std::int64_t before = calls();
    for (int i = 0; i < 100; ++i) EXPECT_FALSE(take().taken) << uri;
    EXPECT_EQ(calls(), before) << uri;
    ASSERT_TRUE(RunTask(io, storage->Clear("{topo}/a")).has_value());
    EXPECT_TRUE(take().taken) << uri;
  }
}

}  // namespace
}  // namespace limitsd::storage::redis

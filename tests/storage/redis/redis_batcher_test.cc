// Batched takes against a real redis-server: many TakeAll calls that meet on one executor
// share one script call, and each of them stays atomic and all-or-nothing; errors and
// timeouts reach every request of the batch they hit.
#include "storage/redis/redis_batcher.h"

#include <unistd.h>

#include <regex>
#include <thread>

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "storage/capabilities.h"
#include "storage/storage_error.h"
#include "storage/storage_registry.h"
#include "tests/storage/conformance/run_task.h"
#include "tests/storage/redis/redis_servers.h"

namespace limitsd::storage::redis {
namespace {

using namespace std::chrono_literals;
using testing::BlockServer;
using testing::RedisServer;

constexpr Micros kMinute{60'000'000};

// One TakeAll to run concurrently with others: its rates (their keys point into `keys`
// once RunConcurrently has bound them), cost and mode.
struct Call {
  std::vector<std::string> keys;
  std::vector<RateQuery> rates;
  std::int64_t cost = 1;
  TakeMode mode = TakeMode::kHit;
};

Call Hit(std::vector<std::pair<std::string, RateQuery>> rates, std::int64_t cost = 1,
         TakeMode mode = TakeMode::kHit) {
  Call call;
  call.cost = cost;
  call.mode = mode;
  for (auto& [key, rate] : rates) {
    call.keys.push_back(key);
    call.rates.push_back(rate);
  }
  return call;
}

RateQuery Fixed(std::int64_t limit) { return {{}, StrategyKind::kFixedWindow, limit, kMinute}; }
RateQuery Moving(std::int64_t limit) { return {{}, StrategyKind::kMovingWindow, limit, kMinute}; }
RateQuery Sliding(std::int64_t limit) {
  return {{}, StrategyKind::kSlidingWindowCounter, limit, kMinute};
}

class RedisBatcherTest : public ::testing::Test {
 protected:
  void SetUp() override { storage_ = Make(2s); }

  std::unique_ptr<Storage> Make(Micros timeout) {
    StorageContext context;
    context.uri = ParseStorageUri(server_.Uri());
    context.timeout = timeout;
    context.executors = {io_.get_executor()};
    return StorageRegistry::Instance().Create(context);
  }

  // Starts every call in the same turn of the event loop, and waits for all of them.
  std::vector<Result<TakeOutcome>> RunConcurrently(Storage& storage, std::vector<Call>& calls) {
    std::vector<Result<TakeOutcome>> results(calls.size(), StorageErrc::kInternal);
    std::size_t done = 0;
    for (Call& call : calls) {
      for (std::size_t j = 0; j < call.rates.size(); ++j) call.rates[j].key = call.keys[j];
    }
    for (std::size_t i = 0; i < calls.size(); ++i) {
      boost::asio::co_spawn(
          io_,
          [&, i]() -> Task<void> {
            results[i] = co_await storage.AsMultiRate()->TakeAll(calls[i].rates, calls[i].cost,
                                                                 calls[i].mode);
            ++done;
          },
          boost::asio::detached);
    }
    io_.restart();
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (done < calls.size() && std::chrono::steady_clock::now() < deadline) {
      io_.run_one_for(100ms);
    }
    EXPECT_EQ(done, calls.size());
    return results;
  }

  // How many EVALSHA calls the server has run, from INFO commandstats.
  std::int64_t EvalshaCalls() const {
    const std::string stats = server_.Cli({"INFO", "commandstats"});
    std::smatch match;
    if (!std::regex_search(stats, match, std::regex("cmdstat_evalsha:calls=(\\d+)"))) return 0;
    return std::stoll(match[1]);
  }

  RedisServer server_;
  boost::asio::io_context io_{1};
  std::unique_ptr<Storage> storage_;
};

TEST_F(RedisBatcherTest, ConcurrentHitsOnOneKeyAllowExactlyTheLimit) {
  std::vector<Call> calls;
  for (int i = 0; i < 600; ++i) calls.push_back(Hit({{"{one}/f", Fixed(250)}}));
  const auto results = RunConcurrently(*storage_, calls);
  int taken = 0;
  for (const auto& r : results) {
    ASSERT_TRUE(r.has_value()) << r.error().message();
    taken += r->taken ? 1 : 0;
    const auto& state = std::get<FixedWindowState>(r->states.front());
    EXPECT_LE(state.count, 250);
    EXPECT_GT(state.ttl, Micros{59'000'000});
  }
  EXPECT_EQ(taken, 250);
  // Denied hits consume nothing: the counter holds exactly the hits taken.
  EXPECT_EQ(server_.Cli({"GET", "LIMITS:{one}/f"}), "250");
  // 600 requests went out in a few script calls (at most 256 per batch).
  const std::int64_t calls_made = EvalshaCalls();
  EXPECT_GE(calls_made, 3);
  EXPECT_LE(calls_made, 10);
}

TEST_F(RedisBatcherTest, MixedStrategiesAndModesShareABatch) {
  std::vector<Call> calls;
  for (int i = 0; i < 20; ++i) {
    calls.push_back(Hit({{"{mix}/f", Fixed(10)}, {"{mix}/m", Moving(5)}}));
    calls.push_back(Hit({{"{mix}/s", Sliding(3)}}));
    calls.push_back(Hit({{"{mix}/f", Fixed(10)}, {"{mix}/m", Moving(5)}}, 1, TakeMode::kPeek));
    calls.push_back(Hit({{"{mix}/f2", Fixed(100)}}, 7));
  }
  const auto results = RunConcurrently(*storage_, calls);
  int both = 0, sliding = 0, fixed7 = 0;
  for (std::size_t i = 0; i < results.size(); ++i) {
    ASSERT_TRUE(results[i].has_value()) << results[i].error().message();
    const TakeOutcome& outcome = *results[i];
    switch (i % 4) {
      case 0: both += outcome.taken; break;
      case 1: sliding += outcome.taken; break;
      case 2: EXPECT_FALSE(outcome.taken); break;  // a peek takes nothing
      case 3: fixed7 += outcome.taken; break;
    }
  }
  EXPECT_EQ(both, 5);
  EXPECT_EQ(sliding, 3);
  EXPECT_EQ(fixed7, 14);  // 14 * 7 = 98 <= 100
  // All or nothing: the fixed rate counted only the hits the moving rate allowed.
  EXPECT_EQ(server_.Cli({"GET", "LIMITS:{mix}/f"}), "5");
  EXPECT_EQ(server_.Cli({"GET", "LIMITS:{mix}/f2"}), "98");
  // The last peek saw both rates after every take.
  const auto& last_peek = *results[results.size() - 2];
  EXPECT_EQ(std::get<FixedWindowState>(last_peek.states[0]).count, 5);
  EXPECT_EQ(std::get<MovingWindowState>(last_peek.states[1]).count, 5);
  EXPECT_LT(EvalshaCalls(), 10);
}

TEST_F(RedisBatcherTest, ADeniedHitOnANewFixedKeyLeavesNoKey) {
  std::vector<Call> fill{Hit({{"{new}/m", Moving(1)}})};
  ASSERT_TRUE(RunConcurrently(*storage_, fill).front()->taken);
  std::vector<Call> calls{Hit({{"{new}/f", Fixed(5)}, {"{new}/m", Moving(1)}}),
                          Hit({{"{new}/big", Fixed(5)}}, 6)};
  const auto results = RunConcurrently(*storage_, calls);
  for (const auto& r : results) {
    ASSERT_TRUE(r.has_value());
    EXPECT_FALSE(r->taken);
    EXPECT_EQ(std::get<FixedWindowState>(r->states.front()), (FixedWindowState{0, Micros{0}}));
  }
  EXPECT_EQ(server_.Cli({"EXISTS", "LIMITS:{new}/f"}), "0");
  EXPECT_EQ(server_.Cli({"EXISTS", "LIMITS:{new}/big"}), "0");
}

TEST_F(RedisBatcherTest, AFixedKeyWithoutTtlGetsOneAndKeepsItsCount) {
  server_.Cli({"SET", "LIMITS:{nottl}/f", "3"});
  std::vector<Call> calls{Hit({{"{nottl}/f", Fixed(4)}}), Hit({{"{nottl}/f", Fixed(4)}})};
  const auto results = RunConcurrently(*storage_, calls);
  EXPECT_TRUE(results[0]->taken);
  EXPECT_FALSE(results[1]->taken);
  EXPECT_EQ(std::get<FixedWindowState>(results[1]->states.front()).count, 4);
  EXPECT_EQ(server_.Cli({"GET", "LIMITS:{nottl}/f"}), "4");
  EXPECT_GT(std::stoll(server_.Cli({"PTTL", "LIMITS:{nottl}/f"})), 59'000);
}

TEST_F(RedisBatcherTest, CallsThatArriveDuringARoundTripLeaveTogetherInTheNextBatch) {
  std::vector<Call> warm{Hit({{"{trip}/f", Fixed(100)}})};
  ASSERT_TRUE(RunConcurrently(*storage_, warm).front().has_value());
  const std::int64_t before = EvalshaCalls();
  BlockServer(server_.port(), "1");  // the next batch stays in flight for a while
  std::vector<Call> calls;
  for (int i = 0; i < 11; ++i) calls.push_back(Hit({{"{trip}/f", Fixed(100)}}));
  for (Call& call : calls) call.rates.front().key = call.keys.front();
  std::vector<Result<TakeOutcome>> results(calls.size(), StorageErrc::kInternal);
  std::size_t done = 0;
  io_.restart();
  // Each call in a turn of its own: the first one's batch is sent, the others queue behind it.
  for (std::size_t i = 0; i < calls.size(); ++i) {
    boost::asio::co_spawn(
        io_,
        [&, i]() -> Task<void> {
          results[i] = co_await storage_->AsMultiRate()->TakeAll(calls[i].rates, 1, TakeMode::kHit);
          ++done;
        },
        boost::asio::detached);
    io_.poll();
  }
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (done < calls.size() && std::chrono::steady_clock::now() < deadline) {
    io_.run_one_for(100ms);
  }
  ASSERT_EQ(done, calls.size());
  for (const auto& r : results) {
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_TRUE(r->taken);
  }
  EXPECT_EQ(server_.Cli({"GET", "LIMITS:{trip}/f"}), "12");
  EXPECT_EQ(EvalshaCalls() - before, 2);
}

TEST_F(RedisBatcherTest, AnErrorReplyFailsTheWholeBatch) {
  server_.Cli({"HSET", "LIMITS:{bad}/f", "a", "1"});  // not a counter: INCRBY fails
  std::vector<Call> calls;
  for (int i = 0; i < 10; ++i) calls.push_back(Hit({{"{good}/f", Fixed(100)}}));
  calls.push_back(Hit({{"{bad}/f", Fixed(100)}}));
  const auto results = RunConcurrently(*storage_, calls);
  for (const auto& r : results) {
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), StorageErrc::kProtocol);
  }
  // The next batch, without the bad key, is served.
  std::vector<Call> after{Hit({{"{good}/f", Fixed(100)}})};
  EXPECT_TRUE(RunConcurrently(*storage_, after).front().has_value());
}

TEST(RedisTakeRequest, EncodedIntoAnEarlierRequestItIsWhatEncodeTakeMakes) {
  const std::string long_key(40, 'k');
  RateQuery two[] = {{long_key, StrategyKind::kFixedWindow, 10, kMinute},
                     {"{m}/x", StrategyKind::kMovingWindow, 5, kMinute}};
  RateQuery one[] = {{"{s}/y", StrategyKind::kSlidingWindowCounter, 3, Micros{1'500'000}}};
  TakeRequest request = EncodeTake("P", two, 7, TakeMode::kHit);
  EncodeTakeInto(request, "Q", one, 2, TakeMode::kPeek);
  const TakeRequest fresh = EncodeTake("Q", one, 2, TakeMode::kPeek);
  EXPECT_EQ(std::vector<std::string>(request.keys.begin(), request.keys.end()),
            std::vector<std::string>(fresh.keys.begin(), fresh.keys.end()));
  EXPECT_EQ(std::vector<std::string>(request.args.begin(), request.args.end()),
            std::vector<std::string>(fresh.args.begin(), fresh.args.end()));
  EXPECT_EQ(std::vector<StrategyKind>(request.kinds.begin(), request.kinds.end()),
            std::vector<StrategyKind>(fresh.kinds.begin(), fresh.kinds.end()));
  EncodeTakeInto(request, "P", two, 7, TakeMode::kHit);
  const TakeRequest again = EncodeTake("P", two, 7, TakeMode::kHit);
  EXPECT_EQ(std::vector<std::string>(request.args.begin(), request.args.end()),
            std::vector<std::string>(again.args.begin(), again.args.end()));
  EXPECT_EQ(request.keys.front(), "P:" + long_key);
}

// The batcher keeps the entries of finished takes for later ones: a later take of another
// shape (fewer rates, another strategy) carries only its own request and gets its own reply.
TEST_F(RedisBatcherTest, ATakeInAnEntryUsedBeforeCarriesOnlyItsOwnRequest) {
  std::vector<Call> first;
  for (int i = 0; i < 8; ++i) {
    const std::string tag = "{e" + std::to_string(i) + "}";
    first.push_back(Hit({{tag + "/f", Fixed(10)}, {tag + "/m", Moving(5)}}, 2));
  }
  for (const auto& r : RunConcurrently(*storage_, first)) {
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_TRUE(r->taken);
    EXPECT_EQ(r->states.size(), 2U);
  }
  std::vector<Call> second;
  for (int i = 0; i < 8; ++i) {
    second.push_back(Hit({{"{n" + std::to_string(i) + "}/s", Sliding(3)}}));
  }
  for (const auto& r : RunConcurrently(*storage_, second)) {
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_TRUE(r->taken);
    ASSERT_EQ(r->states.size(), 1U);
    EXPECT_TRUE(std::holds_alternative<SlidingWindowState>(r->states.front()));
  }
  // The first takes' keys were counted once, by their own requests.
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(server_.Cli({"GET", "LIMITS:{e" + std::to_string(i) + "}/f"}), "2");
  }
}

TEST_F(RedisBatcherTest, EveryCallOfAStalledBatchTimesOutOnItsDeadline) {
  auto storage = Make(200ms);
  std::vector<Call> warm{Hit({{"{t}/f", Fixed(100)}})};
  ASSERT_TRUE(RunConcurrently(*storage, warm).front().has_value());
  BlockServer(server_.port(), "1");
  std::vector<Call> calls;
  for (int i = 0; i < 30; ++i) calls.push_back(Hit({{"{t}/f", Fixed(100)}}));
  const auto start = std::chrono::steady_clock::now();
  const auto results = RunConcurrently(*storage, calls);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 500ms);
  for (const auto& r : results) {
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), StorageErrc::kTimeout);
  }
  std::this_thread::sleep_for(1s);  // the server wakes up; the late batch reply is dropped
  std::vector<Call> after{Hit({{"{t}/f", Fixed(100)}}, 1, TakeMode::kPeek)};
  const auto peek = RunConcurrently(*storage, after);
  ASSERT_TRUE(peek.front().has_value()) << peek.front().error().message();
  // Documented: a batch that timed out may still have run.
  EXPECT_EQ(std::get<FixedWindowState>(peek.front()->states.front()).count, 31);
}

TEST_F(RedisBatcherTest, ABatchAfterScriptFlushIsReloadedNotFailed) {
  std::vector<Call> warm{Hit({{"{flush}/f", Fixed(100)}})};
  ASSERT_TRUE(RunConcurrently(*storage_, warm).front().has_value());
  server_.Cli({"SCRIPT", "FLUSH"});
  std::vector<Call> calls;
  for (int i = 0; i < 50; ++i) calls.push_back(Hit({{"{flush}/f", Fixed(100)}}));
  for (const auto& r : RunConcurrently(*storage_, calls)) {
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_TRUE(r->taken);
  }
  EXPECT_EQ(server_.Cli({"GET", "LIMITS:{flush}/f"}), "51");
}

}  // namespace
}  // namespace limitsd::storage::redis

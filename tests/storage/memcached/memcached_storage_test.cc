#include "storage/memcached/memcached_storage.h"

#include <signal.h>

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "storage/configuration_error.h"
#include "storage/storage_error.h"
#include "storage/storage_registry.h"
#include "tests/storage/conformance/run_task.h"
#include "tests/storage/memcached/memcached_server.h"

namespace limitsd::storage::memcached {
namespace {

using conformance::RunTask;
using testing::MemcachedServer;
using namespace std::chrono_literals;

constexpr Micros kSecond{1'000'000};
constexpr Micros kDay = 86'400 * kSecond;

std::unique_ptr<MemcachedStorage> MakeStorage(const std::string& uri,
                                              std::vector<boost::asio::any_io_executor> executors = {},
                                              std::shared_ptr<const Clock> clock = nullptr,
                                              Micros timeout = 2 * kSecond,
                                              StorageOptions options = {}) {
  StorageContext context;
  context.uri = ParseStorageUri(uri);
  context.executors = std::move(executors);
  if (clock) context.clock = std::move(clock);
  context.timeout = timeout;
  context.options = std::move(options);
  return std::make_unique<MemcachedStorage>(context);
}

// A key unique to this test and process, so servers shared between runs never interfere.
std::string Tagged(std::string_view name, std::string_view rate = "rate") {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return "{" + std::string(info->name()) + ":" + std::to_string(::getpid()) + ":" +
         std::string(name) + "}/" + std::string(rate);
}

class MemcachedStorageTest : public ::testing::Test {
 protected:
  template <class T>
  T Run(Task<T> task) {
    return RunTask(io_, std::move(task));
  }
  bool Hit(MemcachedStorage& storage, const RateQuery& rate) {
    const auto outcome = Run(storage.TakeAll(std::span(&rate, 1), 1, TakeMode::kHit));
    EXPECT_TRUE(outcome) << outcome.error().message();
    return outcome && outcome->taken;
  }

  boost::asio::io_context io_{1};
};

TEST(MemcachedRegistryTest, SchemeIsRegisteredWithEveryCapability) {
  const SchemeInfo* info = StorageRegistry::Instance().Find("memcached");
  ASSERT_NE(info, nullptr);
  EXPECT_TRUE(info->capabilities.moving_window);
  EXPECT_TRUE(info->capabilities.sliding_window_counter);
  EXPECT_TRUE(info->capabilities.multi_rate);
  EXPECT_FALSE(info->capabilities.synchronous);
}

TEST(MemcachedConfigTest, UrisAndStartUpChecks) {
  EXPECT_EQ(MakeStorage("memcached://127.0.0.1:1,localhost:2")->Describe(),
            "memcached://127.0.0.1:1,localhost:2");
  EXPECT_EQ(MakeStorage("memcached:///run/memcached.sock")->Describe(),
            "memcached:///run/memcached.sock");
  EXPECT_THROW(MakeStorage("memcached://"), ConfigurationError);
  EXPECT_THROW(MakeStorage("memcached://h:1", {}, nullptr, kSecond, {{"key_prefix", "a b"}}),
               ConfigurationError);
  // A misspelt option, or options in the URI, stop the start-up instead of being ignored.
  EXPECT_THROW(MakeStorage("memcached://h:1", {}, nullptr, kSecond, {{"cas_retry", "3"}}),
               ConfigurationError);
  EXPECT_THROW(MakeStorage("memcached://h:1?cas_retries=3"), ConfigurationError);
  EXPECT_NO_THROW(MakeStorage("memcached://h:1", {}, nullptr, kSecond, {{"cas_retries", "3"}}));
  EXPECT_EQ(MemcachedStorage::CheckLimit(10'000, 3600 * kSecond), std::nullopt);
  const auto too_large = MemcachedStorage::CheckLimit(1'000'000, 60 * kSecond);
  ASSERT_TRUE(too_large.has_value());
  EXPECT_NE(too_large->find("moving window"), std::string::npos) << *too_large;
  EXPECT_EQ(MemcachedStorage::CheckLimit(StrategyKind::kFixedWindow, 1'000'000'000, kDay),
            std::nullopt);
}

TEST_F(MemcachedStorageTest, LongWindowsAreEnforced) {
  MemcachedServer server;
  auto storage = MakeStorage(testing::UriOf({&server}));
  // 31 days (fixed) and 16 days (sliding, kept 2E) pass memcached's 30-day relative limit.
  const std::string keys[] = {Tagged("fixed"), Tagged("sliding"), Tagged("moving")};
  const RateQuery fixed{keys[0], StrategyKind::kFixedWindow, 2, 31 * kDay};
  const RateQuery sliding{keys[1], StrategyKind::kSlidingWindowCounter, 2, 16 * kDay};
  const RateQuery moving{keys[2], StrategyKind::kMovingWindow, 2, 365 * kDay};
  for (const RateQuery& rate : {fixed, sliding, moving}) {
    EXPECT_TRUE(Hit(*storage, rate)) << rate.key;
    EXPECT_TRUE(Hit(*storage, rate)) << rate.key;
    std::this_thread::sleep_for(1100ms);  // an item that expired at once would be gone now
    EXPECT_FALSE(Hit(*storage, rate)) << rate.key;
  }
}

TEST_F(MemcachedStorageTest, TwoSecondWindowStillDeniesAfterOneAndAHalfSeconds) {
  MemcachedServer server;
  auto storage = MakeStorage(testing::UriOf({&server}));
  const std::string keys[] = {Tagged("fixed"), Tagged("moving")};
  const RateQuery fixed{keys[0], StrategyKind::kFixedWindow, 2, 2 * kSecond};
  const RateQuery moving{keys[1], StrategyKind::kMovingWindow, 2, 2 * kSecond};
  EXPECT_TRUE(Hit(*storage, fixed));
  EXPECT_TRUE(Hit(*storage, moving));
  EXPECT_TRUE(Hit(*storage, fixed));
  EXPECT_TRUE(Hit(*storage, moving));
  std::this_thread::sleep_for(1500ms);
  EXPECT_FALSE(Hit(*storage, fixed));
  EXPECT_FALSE(Hit(*storage, moving));
  std::this_thread::sleep_for(700ms);
  EXPECT_TRUE(Hit(*storage, fixed));
}

// Two "daemons" (storages), two threads each, 200 concurrent hits on one key of limit 5.
TEST_F(MemcachedStorageTest, ConcurrentHitsAdmitExactlyTheLimit) {
  MemcachedServer server;
  for (const StrategyKind kind : {StrategyKind::kFixedWindow, StrategyKind::kMovingWindow,
                                  StrategyKind::kSlidingWindowCounter}) {
    std::vector<std::unique_ptr<boost::asio::io_context>> ios;
    std::vector<boost::asio::any_io_executor> executors;
    for (int i = 0; i < 4; ++i) {
      ios.push_back(std::make_unique<boost::asio::io_context>(1));
      executors.push_back(ios.back()->get_executor());
    }
    auto first = MakeStorage(testing::UriOf({&server}), {executors[0], executors[1]});
    auto second = MakeStorage(testing::UriOf({&server}), {executors[2], executors[3]});
    const std::string key = Tagged(std::string(StrategyName(kind)));
    const RateQuery rate{key, kind, 5, 60 * kSecond};
    std::atomic<int> admitted{0};
    std::atomic<int> failed{0};
    for (int i = 0; i < 4; ++i) {
      MemcachedStorage& storage = i < 2 ? *first : *second;
      auto done = std::make_shared<int>(0);  // touched on ios[i]'s thread only
      for (int n = 0; n < 50; ++n) {
        boost::asio::co_spawn(
            *ios[i],
            [&, done, io = ios[i].get()]() -> Task<void> {
              const auto outcome = co_await storage.TakeAll(std::span(&rate, 1), 1, TakeMode::kHit);
              if (!outcome) ++failed;
              if (outcome && outcome->taken) ++admitted;
              // Connections keep an io_context busy: stop it once its hits are all counted.
              if (++*done == 50) io->stop();
            },
            boost::asio::detached);
      }
    }
    std::vector<std::thread> threads;
    for (auto& io : ios) threads.emplace_back([&io] { io->run_for(20s); });
    for (auto& t : threads) t.join();
    first.reset();
    second.reset();
    EXPECT_EQ(admitted.load(), 5) << StrategyName(kind);
    EXPECT_EQ(failed.load(), 0) << StrategyName(kind);
  }
}

TEST_F(MemcachedStorageTest, SeveralRatesAreAllOrNothing) {
  MemcachedServer server;
  auto storage = MakeStorage(testing::UriOf({&server}));
  const std::string tag = Tagged("multi", "");
  const std::string keys[] = {tag + "fixed/3", tag + "moving/5", tag + "sliding/4"};
  const std::vector<RateQuery> rates = {
      {keys[0], StrategyKind::kFixedWindow, 3, 60 * kSecond},
      {keys[1], StrategyKind::kMovingWindow, 5, 60 * kSecond},
      {keys[2], StrategyKind::kSlidingWindowCounter, 4, 60 * kSecond}};
  for (int i = 0; i < 3; ++i) {
    const auto taken = Run(storage->TakeAll(rates, 1, TakeMode::kHit));
    ASSERT_TRUE(taken) << taken.error().message();
    EXPECT_TRUE(taken->taken);
  }
  const auto denied = Run(storage->TakeAll(rates, 1, TakeMode::kHit));
  ASSERT_TRUE(denied);
  EXPECT_FALSE(denied->taken);
  // The fixed rate denied, so the others took nothing either.
  EXPECT_EQ(std::get<MovingWindowState>(denied->states[1]).count, 3);
  const auto moving = Run(storage->GetMovingWindow(rates[1].key, 5, 60 * kSecond, 1));
  ASSERT_TRUE(moving) << moving.error().message();
  EXPECT_EQ(moving->count, 3);
  EXPECT_EQ(Run(storage->Get(rates[0].key)).value(), 3);
}

TEST_F(MemcachedStorageTest, UnsafeAndLongKeysStayDistinct) {
  MemcachedServer server;
  auto storage = MakeStorage(testing::UriOf({&server}));
  // No hash tags: each key is its own item, so each needs its own memcached key.
  const std::string base = "keys:" + std::to_string(::getpid()) + ":";
  const std::vector<std::string> keys = {base + "a b", base + "a%20b", base + "a\tb",
                                         base + std::string(400, 'x'),
                                         base + std::string(399, 'x') + "y", base + "\xff"};
  for (std::size_t i = 0; i < keys.size(); ++i) {
    ASSERT_EQ(Run(storage->Incr(keys[i], 60 * kSecond, i + 1)).value(),
              static_cast<std::int64_t>(i + 1));
  }
  for (std::size_t i = 0; i < keys.size(); ++i) {
    EXPECT_EQ(Run(storage->Get(keys[i])).value(), static_cast<std::int64_t>(i + 1));
  }
}

TEST_F(MemcachedStorageTest, TooLargeForAnItemIsAnError) {
  MemcachedServer server;
  auto clock = std::make_shared<ManualClock>();
  auto storage = MakeStorage(testing::UriOf({&server}), {}, clock, 2 * kSecond,
                             {{"max_value_bytes", "1024"}});
  const std::string key = Tagged("big");
  const RateQuery rate{key, StrategyKind::kMovingWindow, 100'000, 3600 * kSecond};
  Result<TakeOutcome> outcome = TakeOutcome{};
  int hits = 0;
  for (; hits < 2000 && outcome; ++hits) {
    clock->Advance(Micros{1});  // one run per hit
    outcome = Run(storage->TakeAll(std::span(&rate, 1), 1, TakeMode::kHit));
  }
  ASSERT_FALSE(outcome);
  EXPECT_EQ(outcome.error(), StorageErrc::kTooLarge);
  EXPECT_GT(hits, 200);
}

TEST_F(MemcachedStorageTest, AddingAServerMovesFewKeys) {
  MemcachedServer a;
  MemcachedServer b;
  MemcachedServer c;
  auto two = MakeStorage(testing::UriOf({&a, &b}));
  auto three = MakeStorage(testing::UriOf({&a, &b, &c}));
  constexpr int kKeys = 60;
  int moved = 0;
  for (int i = 0; i < kKeys; ++i) {
    const std::string key = Tagged("k" + std::to_string(i));
    ASSERT_EQ(Run(two->Incr(key, 60 * kSecond, 1)).value(), 1);
    const bool stays = two->ServerOf(key) == three->ServerOf(key);
    // The keys that stay keep their counts; the ones that move start afresh on c.
    EXPECT_EQ(Run(three->Get(key)).value(), stays ? 1 : 0) << key;
    if (!stays) {
      ++moved;
      EXPECT_EQ(three->ServerOf(key), 2u);
    }
  }
  EXPECT_GT(moved, 0);
  EXPECT_LT(moved, kKeys / 2);
}

TEST_F(MemcachedStorageTest, StoppedServerFailsOnlyItsKeysAndRecovers) {
  MemcachedServer a;
  MemcachedServer b;
  const Micros timeout{300'000};
  auto storage = MakeStorage(testing::UriOf({&a, &b}), {}, nullptr, timeout,
                             {{"backoff_max_ms", "200"}});
  ASSERT_TRUE(Run(storage->Check()));
  std::string on_a;
  std::string on_b;
  for (int i = 0; on_a.empty() || on_b.empty(); ++i) {
    const std::string key = Tagged("k" + std::to_string(i));
    (storage->ServerOf(key) == 0 ? on_a : on_b) = key;
  }
  ASSERT_TRUE(Run(storage->Incr(on_a, 60 * kSecond, 1)));
  ASSERT_TRUE(Run(storage->Incr(on_b, 60 * kSecond, 1)));
  b.Stop();
  for (int i = 0; i < 5; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const auto failed = Run(storage->Incr(on_b, 60 * kSecond, 1));
    EXPECT_LT(std::chrono::steady_clock::now() - start, timeout + 200ms);
    ASSERT_FALSE(failed);
    EXPECT_TRUE(failed.error() == StorageErrc::kUnavailable ||
                failed.error() == StorageErrc::kTimeout)
        << failed.error().message();
    EXPECT_EQ(Run(storage->Incr(on_a, 60 * kSecond, 1)).value(), 2 + i);
  }
  EXPECT_FALSE(Run(storage->Check()));
  ASSERT_TRUE(b.Start());
  Result<std::int64_t> recovered = std::error_code(StorageErrc::kUnavailable);
  const auto until = std::chrono::steady_clock::now() + 5s;
  while (!recovered && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(50ms);
    recovered = Run(storage->Incr(on_b, 60 * kSecond, 1));
  }
  ASSERT_TRUE(recovered);
  EXPECT_EQ(*recovered, 1);  // a restarted memcached is empty
  EXPECT_TRUE(Run(storage->Check()));
}

TEST_F(MemcachedStorageTest, LateReplyIsDiscardedWithoutDisturbingOthers) {
  MemcachedServer server;
  auto storage = MakeStorage(testing::UriOf({&server}), {}, nullptr, Micros{300'000});
  const std::string first = Tagged("first");
  const std::string second = Tagged("second");
  ASSERT_EQ(Run(storage->Incr(first, 60 * kSecond, 7)).value(), 7);
  server.Signal(SIGSTOP);
  const auto timed_out = Run(storage->Get(first));
  server.Signal(SIGCONT);
  ASSERT_FALSE(timed_out);
  EXPECT_EQ(timed_out.error(), StorageErrc::kTimeout);
  // The late "first" reply arrives now and must not be taken for this call's.
  EXPECT_EQ(Run(storage->Get(second)).value(), 0);
  EXPECT_EQ(Run(storage->Get(first)).value(), 7);
}

TEST_F(MemcachedStorageTest, UnixSocket) {
  limitsd::testing::TempDir dir;
  const std::string path = (dir.path() / "memcached.sock").string();
  std::vector<std::string> argv = {limitsd::testing::FindProgram("memcached"), "-s", path};
  if (::geteuid() == 0) argv.insert(argv.end(), {"-u", "root"});
  limitsd::testing::ChildProcess process(argv);
  auto storage = MakeStorage("memcached://" + path);
  bool up = false;
  for (int i = 0; i < 50 && !up; ++i) {
    std::this_thread::sleep_for(20ms);
    up = Run(storage->Check());
  }
  ASSERT_TRUE(up);
  EXPECT_EQ(Run(storage->Incr(Tagged("unix"), 60 * kSecond, 3)).value(), 3);
}

}  // namespace
}  // namespace limitsd::storage::memcached

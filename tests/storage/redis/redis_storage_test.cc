// The Redis storage's client behaviour against real servers: pipelining, deadlines that do
// not disturb other calls, Redis going away and coming back, TLS, and start-up errors.
#include "storage/redis/redis_storage.h"

#include <unistd.h>

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
#include "tests/storage/redis/redis_servers.h"

namespace limitsd::storage::redis {
namespace {

using namespace std::chrono_literals;
using conformance::RunTask;
using testing::BlockServer;
using testing::RedisServer;

class RedisStorageTest : public ::testing::Test {
 protected:
  std::unique_ptr<Storage> Make(const std::string& uri, Micros timeout,
                                StorageOptions options = {}) {
    StorageContext context;
    context.uri = ParseStorageUri(uri);
    context.options = std::move(options);
    context.timeout = timeout;
    context.executors = {io_.get_executor()};
    return StorageRegistry::Instance().Create(context);
  }
  template <class T>
  T Run(Task<T> task) {
    return RunTask(io_, std::move(task));
  }
  // Runs `count` Incr calls concurrently on one key and returns their results.
  std::vector<Result<std::int64_t>> ConcurrentIncr(Storage& storage, std::string key, int count) {
    std::vector<Result<std::int64_t>> results(count, StorageErrc::kInternal);
    int done = 0;
    for (int i = 0; i < count; ++i) {
      boost::asio::co_spawn(
          io_,
          [&, i]() -> Task<void> {
            results[i] = co_await storage.Incr(key, Micros{60'000'000}, 1);
            ++done;
          },
          boost::asio::detached);
    }
    io_.restart();
    while (done < count) io_.run_one_for(100ms);
    return results;
  }

  boost::asio::io_context io_{1};
};

TEST_F(RedisStorageTest, PipelinesManyCallsOnOneConnection) {
  RedisServer server;
  auto storage = Make(server.Uri(), 2s, {{"pool_size", "1"}});
  const auto results = ConcurrentIncr(*storage, "{pipelined}", 500);
  std::vector<std::int64_t> values;
  for (const auto& r : results) {
    ASSERT_TRUE(r.has_value()) << r.error().message();
    values.push_back(*r);
  }
  std::sort(values.begin(), values.end());
  for (int i = 0; i < 500; ++i) EXPECT_EQ(values[i], i + 1);
  EXPECT_EQ(Run(storage->Get("{pipelined}")).value(), 500);
  // One connection served them all (plus redis-cli's own).
  EXPECT_NE(server.Cli({"INFO", "clients"}).find("connected_clients:2"), std::string::npos);
}

TEST_F(RedisStorageTest, ATimedOutCallDoesNotDisturbTheOthers) {
  RedisServer server;
  auto storage = Make(server.Uri(), 200ms, {{"pool_size", "1"}});
  ASSERT_EQ(Run(storage->Incr("{b}", Micros{60'000'000}, 7)).value(), 7);
  BlockServer(server.port(), "1");
  const auto start = std::chrono::steady_clock::now();
  auto late = Run(storage->Incr("{a}", Micros{60'000'000}, 1));
  const auto took = std::chrono::steady_clock::now() - start;
  std::this_thread::sleep_for(1s);  // the server wakes up and answers the late call
  ASSERT_FALSE(late.has_value());
  EXPECT_EQ(late.error(), StorageErrc::kTimeout);
  EXPECT_LT(took, 400ms);
  // The late reply of "{a}" is discarded, not handed to the next caller.
  EXPECT_EQ(Run(storage->Get("{b}")).value(), 7);
  EXPECT_EQ(Run(storage->Get("{a}")).value(), 1);  // documented: it may still count
}

TEST_F(RedisStorageTest, FailsFastWhileDownAndRecoversByItself) {
  RedisServer server;
  auto storage = Make(server.Uri(), 200ms);
  ASSERT_EQ(Run(storage->Incr("{down}", Micros{60'000'000}, 1)).value(), 1);
  server.Stop(/*hard=*/true);
  for (int i = 0; i < 5; ++i) {
    const auto start = std::chrono::steady_clock::now();
    auto r = Run(storage->Incr("{down}", Micros{60'000'000}, 1));
    EXPECT_FALSE(r.has_value());
    EXPECT_LT(std::chrono::steady_clock::now() - start, 350ms);
    EXPECT_FALSE(Run(storage->Check()));
  }
  server.Start();
  const auto back = std::chrono::steady_clock::now();
  Result<std::int64_t> r = StorageErrc::kInternal;
  while (!(r = Run(storage->Incr("{down}", Micros{60'000'000}, 1))) &&
         std::chrono::steady_clock::now() - back < 5s) {
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_TRUE(r.has_value()) << "no recovery within 5 s";
  EXPECT_LT(std::chrono::steady_clock::now() - back, 2s);
  EXPECT_EQ(*r, 1);  // the restarted server has no data (no persistence)
  EXPECT_TRUE(Run(storage->Check()));
}

TEST_F(RedisStorageTest, UnreachableServerTimesOutWithinTheDeadline) {
  // A port nobody listens on: refused at once, then backing off.
  auto storage = Make("redis://127.0.0.1:" + std::to_string(limitsd::testing::FreePort()), 100ms);
  const auto start = std::chrono::steady_clock::now();
  auto r = Run(storage->Get("{x}"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), StorageErrc::kUnavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 200ms);
}

TEST_F(RedisStorageTest, ScriptsAreReloadedAfterAFlush) {
  RedisServer server;
  auto storage = Make(server.Uri(), 2s);
  ASSERT_TRUE(Run(storage->AsMovingWindow()->AcquireEntry("{s}", 5, Micros{60'000'000}, 1)).value());
  server.Cli({"SCRIPT", "FLUSH"});
  ASSERT_TRUE(Run(storage->AsMovingWindow()->AcquireEntry("{s}", 5, Micros{60'000'000}, 1)).value());
  const auto state = Run(storage->AsMovingWindow()->GetMovingWindow("{s}", 5, Micros{60'000'000}, 1));
  EXPECT_EQ(state.value().count, 2);
}

TEST_F(RedisStorageTest, KeysCarryThePrefix) {
  RedisServer server;
  auto storage = Make(server.Uri(), 2s, {{"key_prefix", "rl*test"}});
  ASSERT_TRUE(Run(storage->Incr("{k}", Micros{60'000'000}, 3)).has_value());
  server.Cli({"SET", "other", "1"});
  server.Cli({"SET", "rl-test:lookalike", "1"});
  EXPECT_EQ(server.Cli({"GET", "rl*test:{k}"}), "3");
  ASSERT_TRUE(Run(storage->Clear("{k}")).has_value());
  EXPECT_EQ(server.Cli({"DBSIZE"}), "2");  // the lookalikes stay
}

TEST_F(RedisStorageTest, DatabaseAndPasswordFromTheUri) {
  RedisServer server(RedisServer::Options{.extra_args = {"--requirepass", "s3cret"}});
  auto storage = Make("redis://:s3cret@127.0.0.1:" + std::to_string(server.port()) + "/3", 2s);
  ASSERT_EQ(Run(storage->Incr("{db}", Micros{60'000'000}, 2)).value(), 2);
  EXPECT_EQ(server.Cli({"-a", "s3cret", "-n", "3", "--no-auth-warning", "GET", "LIMITS:{db}"}), "2");
  EXPECT_EQ(storage->Describe().find("s3cret"), std::string::npos);
  auto wrong = Make("redis://:nope@127.0.0.1:" + std::to_string(server.port()), 500ms);
  EXPECT_FALSE(Run(wrong->Get("{db}")).has_value());
}

TEST_F(RedisStorageTest, UnixSocketWithDatabaseQuery) {
  RedisServer server(RedisServer::Options{.unix_socket = true});
  auto storage = Make(server.Uri() + "?db=2", 2s);
  ASSERT_EQ(Run(storage->Incr("{u}", Micros{60'000'000}, 4)).value(), 4);
  EXPECT_EQ(server.Cli({"-n", "2", "GET", "LIMITS:{u}"}), "4");
}

TEST_F(RedisStorageTest, TlsWithATestAuthority) {
  RedisServer server(RedisServer::Options{.tls = true});
  auto storage = Make(server.Uri(), 2s, {{"tls_ca_file", server.ca_file()}});
  ASSERT_EQ(Run(storage->Incr("{tls}", Micros{60'000'000}, 5)).value(), 5);
  EXPECT_TRUE(Run(storage->Check()));
  // Without the test CA the server's certificate is refused.
  auto untrusted = Make(server.Uri(), 1s);
  EXPECT_FALSE(Run(untrusted->Get("{tls}")).has_value());
}

TEST(RedisSettingsTest, StartUpErrorsNameTheProblem) {
  auto make = [](std::string uri, StorageOptions options = {}) {
    StorageContext context;
    context.uri = ParseStorageUri(uri);
    context.options = std::move(options);
    return RedisStorage(context);
  };
  EXPECT_THROW(make("redis://127.0.0.1:6379", {{"key_prefx", "x"}}), ConfigurationError);
  EXPECT_THROW(make("redis+sentinel://127.0.0.1:26379"), ConfigurationError);
  EXPECT_THROW(make("redis+unix://"), ConfigurationError);
  EXPECT_THROW(make("redis://a:1,b:2"), ConfigurationError);
  EXPECT_THROW(make("redis://127.0.0.1:6379", {{"pool_size", "0"}}), ConfigurationError);
  EXPECT_NO_THROW(make("valkey+cluster://127.0.0.1:7000,127.0.0.1:7001"));
  const RedisStorage storage = make("redis://user:hunter2@127.0.0.1:6379/1");
  EXPECT_EQ(storage.Describe().find("hunter2"), std::string::npos);
}

TEST(RedisSettingsTest, EverySchemeIsRegistered) {
  for (std::string_view scheme : RedisStorage::kSchemes) {
    const SchemeInfo* info = StorageRegistry::Instance().Find(scheme);
    ASSERT_NE(info, nullptr) << scheme;
    EXPECT_TRUE(info->capabilities.moving_window);
    EXPECT_TRUE(info->capabilities.sliding_window_counter);
    EXPECT_TRUE(info->capabilities.multi_rate);
  }
}

}  // namespace
}  // namespace limitsd::storage::redis

// Cluster and sentinel behaviour beyond the conformance suite: slots that move while the
// storage runs, and a sentinel failover during which no call hangs.
#include "storage/redis/redis_storage.h"

#include <thread>

#include <gtest/gtest.h>

#include "storage/storage_error.h"
#include "storage/storage_registry.h"
#include "storage/redis/cluster_slots.h"
#include "tests/storage/conformance/run_task.h"
#include "tests/storage/redis/redis_servers.h"

namespace limitsd::storage::redis {
namespace {

using namespace std::chrono_literals;
using conformance::RunTask;

std::unique_ptr<Storage> Make(boost::asio::io_context& io, const std::string& uri,
                              Micros timeout) {
  StorageContext context;
  context.uri = ParseStorageUri(uri);
  context.timeout = timeout;
  context.executors = {io.get_executor()};
  return StorageRegistry::Instance().Create(context);
}

TEST(RedisClusterTest, KeySlotFollowsTheHashTag) {
  EXPECT_EQ(KeySlot("123456789"), 12739);  // the CRC16 check value of the Redis spec
  EXPECT_EQ(KeySlot("LIMITS:{user1}:a"), KeySlot("other{user1}"));
  EXPECT_EQ(KeySlot("a{}b"), KeySlot("a{}b"));
  EXPECT_NE(KeySlot("{}a"), KeySlot("{}b"));  // an empty tag hashes the whole key
}

TEST(RedisClusterTest, FollowsASlotThatMovesToAnotherNode) {
  testing::RedisCluster cluster;
  boost::asio::io_context io(1);
  auto storage = Make(io, cluster.Uri(), 2s);
  const std::string key = "{moving-slot}";
  ASSERT_EQ(RunTask(io, storage->Incr(key, Micros{60'000'000}, 3)).value(), 3);

  // Move the key's slot by hand, as a resharding tool does, to another master.
  const std::string slot = std::to_string(KeySlot("LIMITS:" + key));
  std::string from_id, to_id;
  std::size_t from = 0, to = 0;
  for (std::size_t i = 0; i < 3; ++i) {
    const std::string owner = cluster.node(i).Cli({"CLUSTER", "COUNTKEYSINSLOT", slot});
    if (owner == "1") from = i;
  }
  to = (from + 1) % 3;
  from_id = cluster.node(from).Cli({"CLUSTER", "MYID"});
  to_id = cluster.node(to).Cli({"CLUSTER", "MYID"});
  cluster.node(to).Cli({"CLUSTER", "SETSLOT", slot, "IMPORTING", from_id});
  cluster.node(from).Cli({"CLUSTER", "SETSLOT", slot, "MIGRATING", to_id});
  // Mid-migration the key is still on the old node; a new key of that slot gets ASK.
  ASSERT_EQ(RunTask(io, storage->Incr(key, Micros{60'000'000}, 1)).value(), 4);
  cluster.node(from).Cli({"MIGRATE", "127.0.0.1", std::to_string(cluster.node(to).port()), "",
                          "0", "5000", "KEYS", "LIMITS:" + key});
  // Now the key lives on the importing node: the storage must follow ASK.
  ASSERT_EQ(RunTask(io, storage->Incr(key, Micros{60'000'000}, 1)).value(), 5);
  for (std::size_t i = 0; i < 3; ++i) {
    cluster.node(i).Cli({"CLUSTER", "SETSLOT", slot, "NODE", to_id});
  }
  // After the move, the old node answers MOVED; the storage follows and updates its map.
  EXPECT_EQ(RunTask(io, storage->Incr(key, Micros{60'000'000}, 1)).value(), 6);
  EXPECT_EQ(RunTask(io, storage->Get(key)).value(), 6);
  EXPECT_EQ(cluster.node(to).Cli({"GET", "LIMITS:" + key}), "6");
  EXPECT_TRUE(RunTask(io, storage->Check()));
}

TEST(RedisSentinelTest, FollowsAFailoverAndNoCallHangs) {
  testing::RedisSentinelSet set;
  boost::asio::io_context io(1);
  auto storage = Make(io, set.Uri(), 300ms);
  const std::string key = "{failover}";
  ASSERT_EQ(RunTask(io, storage->Incr(key, Micros{600'000'000}, 1)).value(), 1);
  const std::uint16_t before = set.MasterPort();

  std::atomic<bool> failover_done = false;
  bool failed_over = false;
  std::thread failover([&] {
    failed_over = set.Failover(20s);
    failover_done = true;
  });
  // Keep calling throughout the failover: each call ends within its deadline.
  int ok = 0, failed = 0;
  auto slowest = std::chrono::steady_clock::duration::zero();
  while (!failover_done) {
    const auto start = std::chrono::steady_clock::now();
    auto r = RunTask(io, storage->Incr(key, Micros{600'000'000}, 1));
    slowest = std::max(slowest, std::chrono::steady_clock::now() - start);
    (r ? ok : failed)++;
    std::this_thread::sleep_for(10ms);
  }
  failover.join();
  ASSERT_TRUE(failed_over) << "the sentinel did not fail over";
  EXPECT_NE(set.MasterPort(), before);
  EXPECT_LT(slowest, 700ms) << ok << " calls passed, " << failed << " failed";
  // Calls go to the new master by themselves: soon every write lands there.
  const std::size_t master = set.server(0).port() == set.MasterPort() ? 0 : 1;
  bool on_new_master = false;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!on_new_master && std::chrono::steady_clock::now() < deadline) {
    auto r = RunTask(io, storage->Incr(key, Micros{600'000'000}, 1));
    on_new_master = r && set.server(master).Cli({"GET", "LIMITS:" + key}) == std::to_string(*r);
    if (!on_new_master) std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(on_new_master) << "writes did not move to the new master within 10 s";
}

}  // namespace
}  // namespace limitsd::storage::redis
